import { open, seal } from '../../crypto/secret-box.js';
import { GatehouseError, notFound, paramError } from '../../errors.js';
import {
  deleteOAuthProviderRow,
  findOAuthProviderRow,
  insertOAuthProviderRow,
  listOAuthProviderRows,
  updateOAuthProviderRow,
  type OAuthProviderRow,
} from '../../store/repositories/oauth-repository.js';
import type { DomainContext } from '../context.js';
import { appendEvent } from '../events/append-event.js';
import { eventData } from '../events/catalog.js';
import { isProviderPreset, PROVIDER_PRESETS, strategyFor, type PresetDefinition, type ProviderPreset } from './provider-presets.js';

/** A social provider as the operator configured it; the client secret never leaves the store. */
export interface OAuthProvider {
  strategy: string;
  preset: ProviderPreset;
  name: string;
  clientId: string;
  hasClientSecret: boolean;
  scopes: string[];
  enabled: boolean;
  issuer: string | null;
  authorizationEndpoint: string | null;
  tokenEndpoint: string | null;
  userinfoEndpoint: string | null;
  logoUrl: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A provider ready for a flow: its preset's defaults filled in and its secret opened. */
export interface ResolvedProvider extends OAuthProvider {
  definition: PresetDefinition;
  clientSecret: string | undefined;
}

export interface ProviderInput {
  preset?: string | undefined;
  /** A generic OpenID provider's key: its strategy is `oauth_custom_<key>`. */
  key?: string | undefined;
  name?: string | undefined;
  clientId?: string | undefined;
  /** Empty removes it (a public client). */
  clientSecret?: string | undefined;
  scopes?: string[] | undefined;
  enabled?: boolean | undefined;
  issuer?: string | null | undefined;
  authorizationEndpoint?: string | null | undefined;
  tokenEndpoint?: string | null | undefined;
  userinfoEndpoint?: string | null | undefined;
  logoUrl?: string | null | undefined;
}

const CUSTOM_KEY = /^[a-z0-9_]{1,32}$/;
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function secretAad(strategy: string): string {
  return `oauth_provider:${strategy}`;
}

function toProvider(row: OAuthProviderRow): OAuthProvider {
  return {
    strategy: row.strategy,
    preset: isProviderPreset(row.preset) ? row.preset : 'oidc',
    name: row.name,
    clientId: row.client_id,
    hasClientSecret: row.client_secret_sealed !== null,
    scopes: row.scopes.split(' ').filter(Boolean),
    enabled: row.enabled === 1,
    issuer: row.issuer,
    authorizationEndpoint: row.authorization_endpoint,
    tokenEndpoint: row.token_endpoint,
    userinfoEndpoint: row.userinfo_endpoint,
    logoUrl: row.logo_url,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * A provider's endpoints are https, except on the loopback interface (a provider on the same
 * machine, a test stand-in): credentials and codes never cross a network in the clear.
 */
function endpoint(value: string | null | undefined, param: string): string | null | undefined {
  if (value === undefined || value === null || value === '') return value === '' ? null : value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw paramError('form_param_format_invalid', param, `${param} must be an absolute URL.`);
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  if (!secure || url.username || url.password || url.hash) throw paramError('form_param_value_invalid', param, `${param} must be an https URL (http only on the loopback interface).`);
  return url.href.replace(/\/$/, url.pathname === '/' ? '' : '/');
}

function scopesFrom(scopes: string[] | undefined): string | undefined {
  if (scopes === undefined) return undefined;
  const list = scopes.flatMap((s) => s.split(/[\s,]+/)).filter(Boolean);
  if (list.length > 50 || list.some((s) => !SCOPE.test(s))) throw paramError('form_param_value_invalid', 'scopes', 'scopes must be OAuth scope tokens.');
  return [...new Set(list)].join(' ');
}

export async function listOAuthProviders(ctx: DomainContext): Promise<OAuthProvider[]> {
  return (await listOAuthProviderRows(ctx.store.db)).map(toProvider);
}

export async function getOAuthProvider(ctx: DomainContext, strategy: string): Promise<OAuthProvider> {
  const row = await findOAuthProviderRow(ctx.store.db, strategy);
  if (!row) throw notFound();
  return toProvider(row);
}

export async function createOAuthProvider(ctx: DomainContext, input: ProviderInput): Promise<OAuthProvider> {
  if (!input.preset) throw paramError('form_param_missing', 'preset');
  if (!isProviderPreset(input.preset)) throw paramError('form_param_value_invalid', 'preset', `preset must be one of ${Object.keys(PROVIDER_PRESETS).join(', ')}.`);
  const preset = input.preset;
  if (preset === 'oidc' && (!input.key || !CUSTOM_KEY.test(input.key))) throw paramError('form_param_value_invalid', 'key', 'key must be 1 to 32 lowercase letters, digits or underscores.');
  if (!input.clientId) throw paramError('form_param_missing', 'client_id');
  const issuer = endpoint(input.issuer, 'issuer');
  if (preset === 'oidc' && !issuer) throw paramError('form_param_missing', 'issuer');
  const strategy = strategyFor(preset, input.key);
  const now = ctx.now();
  const row: OAuthProviderRow = {
    strategy,
    preset,
    name: input.name?.trim() || (preset === 'oidc' ? input.key! : PROVIDER_PRESETS[preset].name),
    client_id: input.clientId,
    client_secret_sealed: input.clientSecret ? seal(input.clientSecret, ctx.encryptionKey, secretAad(strategy)) : null,
    scopes: scopesFrom(input.scopes) ?? PROVIDER_PRESETS[preset].scopes,
    enabled: input.enabled === false ? 0 : 1,
    issuer: issuer ?? null,
    authorization_endpoint: endpoint(input.authorizationEndpoint, 'authorization_endpoint') ?? null,
    token_endpoint: endpoint(input.tokenEndpoint, 'token_endpoint') ?? null,
    userinfo_endpoint: endpoint(input.userinfoEndpoint, 'userinfo_endpoint') ?? null,
    logo_url: endpoint(input.logoUrl, 'logo_url') ?? null,
    created_at: now,
    updated_at: now,
  };
  await ctx.store.transaction(async (trx) => {
    if (await findOAuthProviderRow(trx, strategy)) throw new GatehouseError('form_identifier_exists', { meta: { param_name: 'preset' }, longMessage: `${strategy} is configured already; update it instead.` });
    await insertOAuthProviderRow(trx, row);
    await appendEvent(trx, { type: 'oauth_provider.created', data: eventData('oauth_provider.created', toProvider(row)) }, now);
  });
  return toProvider(row);
}

export async function updateOAuthProvider(ctx: DomainContext, strategy: string, input: ProviderInput): Promise<OAuthProvider> {
  const now = ctx.now();
  return ctx.store.transaction(async (trx) => {
    const current = await findOAuthProviderRow(trx, strategy);
    if (!current) throw notFound();
    const patch = {
      ...(input.name !== undefined ? { name: input.name.trim() || current.name } : {}),
      ...(input.clientId ? { client_id: input.clientId } : {}),
      ...(input.clientSecret !== undefined ? { client_secret_sealed: input.clientSecret ? seal(input.clientSecret, ctx.encryptionKey, secretAad(strategy)) : null } : {}),
      ...(input.scopes !== undefined ? { scopes: scopesFrom(input.scopes) || PROVIDER_PRESETS[toProvider(current).preset].scopes } : {}),
      ...(input.enabled !== undefined ? { enabled: input.enabled ? (1 as const) : (0 as const) } : {}),
      ...(input.issuer !== undefined ? { issuer: endpoint(input.issuer, 'issuer') ?? null } : {}),
      ...(input.authorizationEndpoint !== undefined ? { authorization_endpoint: endpoint(input.authorizationEndpoint, 'authorization_endpoint') ?? null } : {}),
      ...(input.tokenEndpoint !== undefined ? { token_endpoint: endpoint(input.tokenEndpoint, 'token_endpoint') ?? null } : {}),
      ...(input.userinfoEndpoint !== undefined ? { userinfo_endpoint: endpoint(input.userinfoEndpoint, 'userinfo_endpoint') ?? null } : {}),
      ...(input.logoUrl !== undefined ? { logo_url: endpoint(input.logoUrl, 'logo_url') ?? null } : {}),
      updated_at: now,
    };
    const next = { ...current, ...patch };
    if (next.preset === 'oidc' && !next.issuer) throw paramError('form_param_missing', 'issuer');
    await updateOAuthProviderRow(trx, strategy, patch);
    await appendEvent(trx, { type: 'oauth_provider.updated', data: eventData('oauth_provider.updated', toProvider(next)) }, now);
    return toProvider(next);
  });
}

export async function deleteOAuthProvider(ctx: DomainContext, strategy: string): Promise<void> {
  await ctx.store.transaction(async (trx) => {
    const current = await findOAuthProviderRow(trx, strategy);
    if (!current || !(await deleteOAuthProviderRow(trx, strategy))) throw notFound();
    await appendEvent(trx, { type: 'oauth_provider.deleted', data: eventData('oauth_provider.deleted', toProvider(current)) }, ctx.now());
  });
}

/** The enabled provider behind a strategy, ready for a flow; a strategy nobody configured is refused as Clerk refuses one not enabled. */
export async function enabledProvider(ctx: DomainContext, strategy: string): Promise<ResolvedProvider> {
  const row = await findOAuthProviderRow(ctx.store.db, strategy);
  if (!row || row.enabled !== 1) throw paramError('form_param_value_invalid', 'strategy', `${strategy} is not enabled on this instance.`);
  const provider = toProvider(row);
  return {
    ...provider,
    definition: PROVIDER_PRESETS[provider.preset],
    clientSecret: row.client_secret_sealed ? open(row.client_secret_sealed, ctx.encryptionKey, secretAad(strategy)) : undefined,
  };
}
