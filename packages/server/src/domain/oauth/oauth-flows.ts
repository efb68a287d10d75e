import { newId } from '../../crypto/ids.js';
import { open, seal } from '../../crypto/secret-box.js';
import { hashSecret } from '../../crypto/tokens.js';
import { GatehouseError, paramError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import { insertVerification, settleVerification, type VerificationRow } from '../../store/repositories/attempt-repository.js';
import { consumeOAuthFlow, findOAuthFlowByState, findOAuthFlowByVerification, insertOAuthFlow, setOAuthFlowProfile, type OAuthFlowRow } from '../../store/repositories/oauth-repository.js';
import type { OAuthIntent } from '../../store/schema.js';
import type { DomainContext } from '../context.js';
import { allowedRedirectUrl, requireAllowedRedirect } from '../redirects.js';
import { authorizationUrl, exchangeCode, ProviderError, type AuthorizationSecrets, type ProviderProfile } from './oauth-client.js';
import { enabledProvider, type ResolvedProvider } from './providers.js';

/**
 * One redirect to a provider and back. The flow is bound to the browser's client and found again
 * by the hash of its `state`; its PKCE verifier is sealed. The callback consumes it once, so a
 * replayed or forged `state`, or one opened in another browser, finds nothing to act on.
 */
const FLOW_LIFETIME_MS = 10 * 60 * 1000;

export function oauthCallbackUrl(ctx: Pick<DomainContext, 'publicUrl'>): string {
  return new URL('/fapi/v1/oauth_callback', ctx.publicUrl).href;
}

/** A flow ready to be recorded: the provider reached (discovery) before anything is written. */
export interface PendingFlow {
  strategy: string;
  authorizeUrl: string;
  secrets: AuthorizationSecrets;
  redirectUrl: string;
  actionCompleteRedirectUrl: string | null;
}

export interface FlowRequest {
  strategy: string;
  redirectUrl: string | undefined;
  actionCompleteRedirectUrl?: string | undefined;
  additionalScopes?: readonly string[] | undefined;
}

export async function prepareOAuthFlow(ctx: DomainContext, input: FlowRequest): Promise<PendingFlow> {
  const provider = await enabledProvider(ctx, input.strategy);
  if (!input.redirectUrl) throw paramError('form_param_missing', 'redirect_url');
  const redirect = requireAllowedRedirect(ctx, input.redirectUrl);
  // `<SignIn/>` sends `/` for "after sign-in" when the app sets nothing: it means the app's own origin.
  const complete = input.actionCompleteRedirectUrl ? allowedRedirectUrl(ctx, input.actionCompleteRedirectUrl, { base: new URL(redirect.origin) }) : undefined;
  if (input.actionCompleteRedirectUrl && !complete) throw paramError('form_param_value_invalid', 'action_complete_redirect_url', 'action_complete_redirect_url must be on an allowed origin.');
  const scopes = [...new Set([...provider.scopes, ...(input.additionalScopes ?? [])])];
  const { url, secrets } = await authorizationUrl(provider, oauthCallbackUrl(ctx), scopes, ctx.now()).catch(() => {
    throw new GatehouseError('oauth_provider_unavailable', { meta: { provider: provider.strategy } });
  });
  return { strategy: provider.strategy, authorizeUrl: url.href, secrets, redirectUrl: redirect.href, actionCompleteRedirectUrl: complete?.href ?? null };
}

/** Writes the flow and the verification it answers; the reply hands the browser `authorizeUrl`. */
export async function recordOAuthFlow(ctx: DomainContext, trx: Executor, pending: PendingFlow, owner: { clientId: string; intent: OAuthIntent; userId?: string }, now: number): Promise<VerificationRow> {
  const verification: VerificationRow = {
    id: newId('ver', now),
    client_id: owner.clientId,
    strategy: pending.strategy,
    status: 'unverified',
    attempts: 0,
    secret_hash: null,
    email_address_id: null,
    phone_number_id: null,
    expire_at: now + FLOW_LIFETIME_MS,
    verified_at: null,
    error_code: null,
    created_at: now,
    updated_at: now,
  };
  await insertVerification(trx, verification);
  const id = newId('oaf', now);
  await insertOAuthFlow(trx, {
    id,
    state_hash: hashSecret(pending.secrets.state),
    client_id: owner.clientId,
    strategy: pending.strategy,
    intent: owner.intent,
    verification_id: verification.id,
    user_id: owner.userId ?? null,
    code_verifier_sealed: seal(JSON.stringify({ codeVerifier: pending.secrets.codeVerifier, state: pending.secrets.state }), ctx.encryptionKey, `oauth_flow:${id}`),
    nonce: pending.secrets.nonce,
    redirect_url: pending.redirectUrl,
    action_complete_redirect_url: pending.actionCompleteRedirectUrl,
    profile: null,
    expire_at: now + FLOW_LIFETIME_MS,
    consumed_at: null,
    created_at: now,
  });
  return verification;
}

/** The callback's outcome: the person the provider named, or the Clerk error code the flow failed with (already recorded on its verification). */
export type CallbackOutcome = { flow: OAuthFlowRow; profile: ProviderProfile; failure?: undefined } | { flow: OAuthFlowRow; profile?: undefined; failure: string };

/**
 * The provider's redirect back. A `state` that names no flow, a flow of another client, or one
 * consumed before is refused outright (there is no flow to report to); anything else the provider
 * or the exchange got wrong fails the flow's verification with Clerk's code.
 */
export async function receiveOAuthCallback(ctx: DomainContext, params: URLSearchParams, clientId: string | undefined): Promise<CallbackOutcome> {
  const state = params.get('state');
  const flow = state ? await findOAuthFlowByState(ctx.store.db, hashSecret(state)) : undefined;
  if (!flow || flow.client_id !== clientId || flow.consumed_at !== null) throw new GatehouseError('oauth_callback_invalid');
  const now = ctx.now();
  if (!(await consumeOAuthFlow(ctx.store.db, flow.id, now))) throw new GatehouseError('oauth_callback_invalid');
  const fail = async (code: string): Promise<CallbackOutcome> => {
    await settleVerification(ctx.store.db, flow.verification_id, 'failed', code, ctx.now());
    return { flow, failure: code };
  };
  if (flow.expire_at <= now) return fail('verification_expired');
  if (params.has('error')) return fail(params.get('error') === 'access_denied' ? 'oauth_access_denied' : 'oauth_token_exchange_error');
  let provider: ResolvedProvider;
  try {
    provider = await enabledProvider(ctx, flow.strategy);
  } catch {
    return fail('oauth_token_exchange_error');
  }
  const sealed = JSON.parse(open(flow.code_verifier_sealed, ctx.encryptionKey, `oauth_flow:${flow.id}`)) as { codeVerifier: string; state: string };
  try {
    const profile = await exchangeCode(provider, oauthCallbackUrl(ctx), params, { ...sealed, nonce: flow.nonce }, now);
    await setOAuthFlowProfile(ctx.store.db, flow.id, seal(JSON.stringify(profile), ctx.encryptionKey, `oauth_profile:${flow.id}`));
    return { flow, profile };
  } catch (error) {
    if (error instanceof ProviderError) {
      ctx.logger.warn({ strategy: flow.strategy, code: error.code, reason: error.message }, 'oauth callback failed');
      return fail(error.code);
    }
    throw error;
  }
}

/** What the provider said in the flow behind a verification, for the step that continues it (a transfer). */
export async function profileOfVerification(ctx: DomainContext, verificationId: string): Promise<{ flow: OAuthFlowRow; profile: ProviderProfile } | undefined> {
  const flow = await findOAuthFlowByVerification(ctx.store.db, verificationId);
  if (!flow?.profile) return undefined;
  return { flow, profile: JSON.parse(open(flow.profile, ctx.encryptionKey, `oauth_profile:${flow.id}`)) as ProviderProfile };
}
