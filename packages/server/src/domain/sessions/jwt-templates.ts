import { newId } from '../../crypto/ids.js';
import { GatehouseError, notFound, paramError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import {
  deleteJwtTemplateRow,
  findJwtTemplateRow,
  insertJwtTemplate,
  jwtTemplateNameTaken,
  listJwtTemplateRows,
  updateJwtTemplateRow,
  type JwtTemplateRow,
} from '../../store/repositories/jwt-template-repository.js';
import { uniqueViolationColumn } from '../../store/unique-violation.js';
import type { DomainContext } from '../context.js';
import { assertValidMetadata } from '../metadata.js';
import type { DeletedObject } from '../deleted-object.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from './signing-keys.js';
import { findShortcodeSyntaxError, type JsonValue } from './template-claims.js';
import type { Page } from '../page.js';

/**
 * JWT templates (`/v1/jwt_templates`): named claim sets with shortcodes, rendered into tokens for
 * third parties. Tokens are always signed with the instance key (RS256, in the JWKS), so a
 * template carries no key of its own.
 */

export interface JwtTemplate {
  id: string;
  name: string;
  claims: Record<string, JsonValue>;
  lifetime: number;
  allowedClockSkew: number;
  /** Template tokens are signed with the instance key, never a custom one. */
  signingAlgorithm: typeof SIGNING_ALGORITHM;
  createdAt: number;
  updatedAt: number;
}

export interface JwtTemplateInput {
  name: string;
  claims: unknown;
  /** null or absent on create: the default; absent on update: unchanged; null on update: the default. */
  lifetime?: number | null;
  allowedClockSkew?: number | null;
  customSigningKey?: boolean | null;
  signingAlgorithm?: string | null;
  signingKey?: string | null;
}

export const TEMPLATE_LIFETIME = { min: 30, max: MAX_TOKEN_LIFETIME_SECONDS, default: 60 } as const;
export const TEMPLATE_CLOCK_SKEW = { min: 0, max: 300, default: 5 } as const;
export const SIGNING_ALGORITHM = 'RS256' as const;

/** Claims the server sets in every template token; a template may not set them itself. */
export const RESERVED_CLAIMS = ['iss', 'sub', 'sid', 'iat', 'nbf', 'exp', 'azp', 'jti'] as const;

const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

function toJwtTemplate(row: JwtTemplateRow): JwtTemplate {
  return {
    id: row.id,
    name: row.name,
    claims: JSON.parse(row.claims) as Record<string, JsonValue>,
    lifetime: row.lifetime,
    allowedClockSkew: row.allowed_clock_skew,
    signingAlgorithm: SIGNING_ALGORITHM,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

// ---- input rules ----

function parseName(name: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw paramError('form_param_format_invalid', 'name', 'name must be 1–64 characters: letters, digits, underscores or dashes.');
  }
  return name;
}

function parseClaims(input: unknown): Record<string, JsonValue> {
  // Same shape and 8 KB cap as metadata; also refuses prototype-polluting keys.
  const claims = assertValidMetadata(input, 'claims') as Record<string, JsonValue>;
  const reserved = RESERVED_CLAIMS.filter((claim) => Object.hasOwn(claims, claim));
  if (reserved.length > 0) {
    throw paramError(
      'form_param_value_invalid',
      'claims',
      `claims must not set ${reserved.join(', ')}: the server sets ${RESERVED_CLAIMS.join(', ')} in every token.`,
    );
  }
  const syntax = findShortcodeSyntaxError(claims);
  if (syntax) throw paramError('form_param_value_invalid', 'claims', syntax);
  return claims;
}

function parseRange(value: number | null | undefined, bounds: { min: number; max: number; default: number }, param: string, unit: string): number | undefined {
  if (value === undefined) return undefined;
  if (value === null) return bounds.default;
  if (!Number.isInteger(value) || value < bounds.min || value > bounds.max) {
    throw paramError('form_param_value_invalid', param, `${param} must be an integer from ${bounds.min} to ${bounds.max} ${unit}.`);
  }
  return value;
}

/** Custom keys and algorithms are refused outright rather than ignored, so no one relies on them. */
function assertInstanceSigning(input: JwtTemplateInput): void {
  if (input.customSigningKey === true) {
    throw paramError(
      'form_param_value_invalid',
      'custom_signing_key',
      `Custom signing keys are not supported: template tokens are signed with the instance key (${SIGNING_ALGORITHM}), published in the JWKS. Omit custom_signing_key or set it to false.`,
    );
  }
  if (input.signingAlgorithm != null && input.signingAlgorithm !== SIGNING_ALGORITHM) {
    throw paramError('form_param_value_invalid', 'signing_algorithm', `Only ${SIGNING_ALGORITHM} is supported: template tokens are signed with the instance key.`);
  }
  if (input.signingKey != null && input.signingKey !== '') {
    throw paramError('form_param_value_invalid', 'signing_key', 'signing_key is not supported: template tokens are signed with the instance key, published in the JWKS.');
  }
}

interface ParsedInput {
  name: string;
  claims: Record<string, JsonValue>;
  lifetime: number | undefined;
  allowedClockSkew: number | undefined;
}

function parseInputFields(input: JwtTemplateInput): ParsedInput {
  assertInstanceSigning(input);
  return {
    name: parseName(input.name),
    claims: parseClaims(input.claims),
    lifetime: parseRange(input.lifetime, TEMPLATE_LIFETIME, 'lifetime', 'seconds'),
    allowedClockSkew: parseRange(input.allowedClockSkew, TEMPLATE_CLOCK_SKEW, 'allowed_clock_skew', 'seconds'),
  };
}

// ---- store access ----

const nameTakenError = (): GatehouseError => paramError('form_identifier_exists', 'name');

/** A concurrent writer can take the name after our check; the unique index still says so clearly. */
function nameConflict<T>(write: () => Promise<T>): Promise<T> {
  return write().catch((error: unknown) => {
    if (uniqueViolationColumn(error) === 'name') throw nameTakenError();
    throw error;
  });
}

async function findRow(db: Executor, id: string): Promise<JwtTemplateRow> {
  const row = await findJwtTemplateRow(db, { id });
  if (!row) throw notFound();
  return row;
}

export async function findJwtTemplateByName(db: Executor, name: string): Promise<JwtTemplate> {
  const row = await findJwtTemplateRow(db, { name });
  if (!row) throw notFound();
  return toJwtTemplate(row);
}

// ---- operations ----

export async function getJwtTemplate(ctx: DomainContext, id: string): Promise<JwtTemplate> {
  return toJwtTemplate(await findRow(ctx.store.db, id));
}

export async function listJwtTemplates(ctx: DomainContext, q: { limit: number; offset: number }): Promise<Page<JwtTemplate>> {
  const { rows, total } = await listJwtTemplateRows(ctx.store.db, q);
  return { items: rows.map(toJwtTemplate), totalCount: total };
}

export async function createJwtTemplate(ctx: DomainContext, input: JwtTemplateInput): Promise<JwtTemplate> {
  const parsed = parseInputFields(input);
  const now = ctx.now();
  const row: JwtTemplateRow = {
    id: newId('jtmpl', now),
    name: parsed.name,
    claims: JSON.stringify(parsed.claims),
    lifetime: parsed.lifetime ?? TEMPLATE_LIFETIME.default,
    allowed_clock_skew: parsed.allowedClockSkew ?? TEMPLATE_CLOCK_SKEW.default,
    created_at: now,
    updated_at: now,
  };
  await nameConflict(() =>
    ctx.store.transaction(async (trx) => {
      if (await jwtTemplateNameTaken(trx, row.name)) throw nameTakenError();
      await insertJwtTemplate(trx, row);
    }),
  );
  return toJwtTemplate(row);
}

/** Replaces name and claims; lifetime and skew change only when given. */
export async function updateJwtTemplate(ctx: DomainContext, id: string, input: JwtTemplateInput): Promise<JwtTemplate> {
  const parsed = parseInputFields(input);
  const now = ctx.now();
  const row = await nameConflict(() =>
    ctx.store.transaction(async (trx) => {
      await findRow(trx, id);
      if (await jwtTemplateNameTaken(trx, parsed.name, id)) throw nameTakenError();
      await updateJwtTemplateRow(trx, id, {
        name: parsed.name,
        claims: JSON.stringify(parsed.claims),
        ...(parsed.lifetime !== undefined ? { lifetime: parsed.lifetime } : {}),
        ...(parsed.allowedClockSkew !== undefined ? { allowed_clock_skew: parsed.allowedClockSkew } : {}),
        updated_at: now,
      });
      return findRow(trx, id);
    }),
  );
  return toJwtTemplate(row);
}

export async function deleteJwtTemplate(ctx: DomainContext, id: string): Promise<DeletedObject> {
  if (!(await deleteJwtTemplateRow(ctx.store.db, id))) throw notFound();
  return { object: 'jwt_template', id, deleted: true };
}
