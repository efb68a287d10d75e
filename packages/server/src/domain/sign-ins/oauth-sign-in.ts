import { GatehouseError, notFound, paramError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import {
  claimTransfer,
  findClientRow,
  findSignInByVerification,
  findSignUpRow,
  findVerificationRows,
  settleVerification,
  updateSignInRow,
  type VerificationRow,
} from '../../store/repositories/attempt-repository.js';
import { loadUserRecord } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import { linkExternalAccount, ownerOfProfile, refreshExternalAccount, type ProfileOwner } from '../oauth/external-accounts.js';
import type { ProviderProfile } from '../oauth/oauth-client.js';
import { prepareOAuthFlow, profileOfVerification, recordOAuthFlow, type CallbackOutcome, type FlowRequest } from '../oauth/oauth-flows.js';
import { storeActingClient, type ActingClient } from '../sessions/acting-client.js';
import { readInstanceSettings, type InstanceSettings } from '../settings/instance-settings.js';
import { assertMayVerify } from '../users/lockout.js';
import { assertIdentifiersAllowed } from '../restrictions/restrictions.js';
import { recordVerified, toVerification } from '../verifications/verifications.js';
import { actOn, loadSignIn, newSignInRow, storeSignIn, toSignIn, type ActingOn, type LoadedSignIn, type SignInOutcome } from './sign-in-flow.js';

/**
 * Sign-in with a social provider (strategy `oauth_<provider>`), as `<SignIn/>`'s buttons start it:
 * the attempt names nobody; its first factor is the flow to the provider, and the account the
 * provider names — connected before, or holding the same address with both sides having verified
 * it — is the one signed in. Nobody found: the verification is `transferable`, and clerk-js turns
 * the attempt into a sign-up with `transfer=true`.
 */
export async function createOAuthSignIn(ctx: DomainContext, client: ActingClient, input: FlowRequest, settings: InstanceSettings): Promise<SignInOutcome> {
  const pending = await prepareOAuthFlow(ctx, input);
  const now = ctx.now();
  const row = newSignInRow(client.id, { userId: null, identifier: null, emailAddressId: null }, now);
  const verification = await ctx.store.transaction(async (trx) => {
    await storeActingClient(trx, client);
    const started = await recordOAuthFlow(ctx, trx, pending, { clientId: client.id, intent: 'sign_in' }, now);
    await storeSignIn(trx, { ...row, first_factor_verification_id: started.id });
    return started;
  });
  const stored = { ...row, first_factor_verification_id: verification.id };
  const first = { ...toVerification(verification, now), externalVerificationRedirectUrl: pending.authorizeUrl };
  return { signIn: toSignIn(ctx, stored, undefined, settings, { first, second: null }, now) };
}

/** Whether the instance's restrictions let the provider's address in (at sign-in or sign-up). */
export async function identifiersAllowed(ctx: DomainContext, profile: ProviderProfile, phase: 'sign_in' | 'sign_up'): Promise<boolean> {
  try {
    await assertIdentifiersAllowed(ctx.store.db, await readInstanceSettings(ctx), { identifiers: profile.email ? [profile.email] : [], phase });
    return true;
  } catch (error) {
    if (error instanceof GatehouseError) return false;
    throw error;
  }
}

type Owned = Extract<ProfileOwner, { kind: 'connected' | 'same_email' }>;

/**
 * Signs the owner in on `loaded`: the account is connected (or refreshed) and the verification
 * settled in the transaction that starts the session — or waits for the second factor.
 */
async function signInOwner(ctx: DomainContext, loaded: LoadedSignIn, owner: Owned, strategy: string, profile: ProviderProfile, settle: (trx: Executor, now: number) => Promise<VerificationRow>): Promise<SignInOutcome> {
  const user = await loadUserRecord(ctx.store.db, owner.userId);
  if (!user) throw notFound();
  const settings = loaded.subject?.settings ?? (await readInstanceSettings(ctx));
  const row = { ...loaded.row, user_id: user.row.id };
  const acting: ActingOn = { ...loaded, row, subject: { signIn: row, user, settings }, signIn: toSignIn(ctx, row, user, settings, { first: loaded.signIn.firstFactorVerification, second: null }, ctx.now()) };
  return actOn(ctx, acting, { strategy }, async () => {
    assertMayVerify(user.row, ctx.now());
    return {
      async record(trx, now) {
        if (owner.kind === 'same_email') await linkExternalAccount(ctx, trx, owner.userId, strategy, profile, now);
        else await refreshExternalAccount(ctx, trx, owner.account, profile, now);
        const verification = await settle(trx, now);
        if (loaded.stored) await updateSignInRow(trx, row.id, { user_id: user.row.id, updated_at: now });
        return verification;
      },
    };
  });
}

/** The callback of a sign-in flow: the owner signs in, or the verification says why not. */
export async function finishOAuthSignIn(ctx: DomainContext, outcome: CallbackOutcome): Promise<void> {
  if (!outcome.profile) return;
  const { flow, profile } = outcome;
  const row = await findSignInByVerification(ctx.store.db, flow.verification_id);
  if (!row) return;
  const owner = await ownerOfProfile(ctx.store.db, flow.strategy, profile);
  const now = ctx.now();
  const phase = owner.kind === 'connected' || owner.kind === 'same_email' ? 'sign_in' : 'sign_up';
  if (!(await identifiersAllowed(ctx, profile, phase))) {
    await settleVerification(ctx.store.db, flow.verification_id, 'failed', 'not_allowed_access', now);
    return;
  }
  if (owner.kind === 'nobody') {
    await settleVerification(ctx.store.db, flow.verification_id, 'transferable', 'external_account_not_found', now);
    return;
  }
  if (owner.kind === 'conflict') {
    await settleVerification(ctx.store.db, flow.verification_id, 'failed', 'external_account_email_address_verification_required', now);
    return;
  }
  const loaded = await loadSignIn(ctx, row.client_id, row.id);
  const [pending] = await findVerificationRows(ctx.store.db, [flow.verification_id]);
  if (!pending) return;
  try {
    await signInOwner(ctx, loaded, owner, flow.strategy, profile, async (trx, at) => {
      if (!(await settleVerification(trx, pending.id, 'verified', null, at))) throw new GatehouseError('verification_already_verified');
      return { ...pending, status: 'verified', verified_at: at, updated_at: at };
    });
  } catch (error) {
    // A locked or banned account, or a race lost: the person reads why on the sign-in page.
    if (!(error instanceof GatehouseError)) throw error;
    await settleVerification(ctx.store.db, pending.id, 'failed', error.code, ctx.now());
  }
}

/**
 * `POST /client/sign_ins` with `transfer=true`: the client's social sign-up found the provider
 * account connected (or an account with the same verified address); the sign-in continues it,
 * claiming the transferable verification once.
 */
export async function transferSignUpToSignIn(ctx: DomainContext, client: ActingClient, settings: InstanceSettings): Promise<SignInOutcome> {
  const clientRow = client.unsaved ? undefined : await findClientRow(ctx.store.db, client.id);
  const signUp = clientRow?.sign_up_id ? await findSignUpRow(ctx.store.db, clientRow.sign_up_id) : undefined;
  const verificationId = signUp?.external_verification_id;
  const [verification] = verificationId ? await findVerificationRows(ctx.store.db, [verificationId]) : [];
  if (!verification || verification.status !== 'transferable') throw paramError('form_param_value_invalid', 'transfer', 'There is no social sign-up on this client to continue as a sign-in.');
  const found = await profileOfVerification(ctx, verification.id);
  if (!found) throw paramError('form_param_value_invalid', 'transfer', 'There is no social sign-up on this client to continue as a sign-in.');
  const owner = await ownerOfProfile(ctx.store.db, found.flow.strategy, found.profile);
  if (owner.kind !== 'connected' && owner.kind !== 'same_email') throw new GatehouseError('external_account_not_found');
  const now = ctx.now();
  const row = newSignInRow(client.id, { userId: null, identifier: null, emailAddressId: null }, now);
  const loaded: LoadedSignIn = { row, stored: false, client, signIn: toSignIn(ctx, row, undefined, settings, { first: null, second: null }, now), subject: undefined };
  return signInOwner(ctx, loaded, owner, found.flow.strategy, found.profile, async (trx, at) => {
    if (!(await claimTransfer(trx, verification.id, at))) throw new GatehouseError('verification_already_verified');
    return recordVerified(trx, { clientId: client.id, strategy: found.flow.strategy }, at);
  });
}
