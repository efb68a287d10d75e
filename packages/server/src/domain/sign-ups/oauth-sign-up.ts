import type { Updateable } from 'kysely';
import { newId } from '../../crypto/ids.js';
import { GatehouseError, paramError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import {
  claimTransfer,
  findClientRow,
  findSignInRow,
  findSignUpByExternalVerification,
  findVerificationRows,
  settleVerification,
  updateSignUpRow,
  type SignUpRow,
} from '../../store/repositories/attempt-repository.js';
import { findTakenIdentifiers } from '../../store/repositories/user-repository.js';
import type { SignUpTable } from '../../store/schema.js';
import type { DomainContext } from '../context.js';
import { newExternalAccountRow, ownerOfProfile } from '../oauth/external-accounts.js';
import type { ProviderProfile } from '../oauth/oauth-client.js';
import { prepareOAuthFlow, profileOfVerification, recordOAuthFlow, type CallbackOutcome } from '../oauth/oauth-flows.js';
import { storeActingClient, type ActingClient } from '../sessions/acting-client.js';
import { readInstanceSettings, type InstanceSettings } from '../settings/instance-settings.js';
import { assertMaySignIn } from '../sign-ins/sign-in-flow.js';
import { identifiersAllowed } from '../sign-ins/oauth-sign-in.js';
import { assertIdentifiersAllowed } from '../restrictions/restrictions.js';
import type { NewUserOptions } from '../users/create-user.js';
import { parseEmailAddress, parseUsername } from '../users/identifiers.js';
import { recordVerified } from '../verifications/verifications.js';
import type { SignUp } from './sign-up.js';
import { completeIfReady, extrasFrom, getSignUp, insertNewSignUp, type SignUpInput } from './sign-up-flow.js';

/**
 * Sign-up with a social provider (strategy `oauth_<provider>`). The attempt's `external_account`
 * verification is the flow to the provider; once it answers, the person's address (verified when
 * the provider verified it) and names fill the attempt, and it completes as any sign-up does —
 * into a user created with the provider account connected. A provider account already connected
 * (or an address someone verified, which the provider verified too) makes it `transferable`, and
 * clerk-js continues as a sign-in with `transfer=true`.
 */
export async function createOAuthSignUp(ctx: DomainContext, client: ActingClient, input: SignUpInput & { strategy: string }, settings: InstanceSettings): Promise<SignUp> {
  if (settings.sign_up.mode !== 'public') throw new GatehouseError('sign_up_restricted');
  if (!client.unsaved) await assertMaySignIn(ctx, client.id, settings);
  const extras = extrasFrom(ctx, input);
  const pending = await prepareOAuthFlow(ctx, { strategy: input.strategy, redirectUrl: input.redirectUrl, actionCompleteRedirectUrl: input.actionCompleteRedirectUrl });
  const now = ctx.now();
  const id = newId('sua', now);
  await ctx.store.transaction(async (trx) => {
    await storeActingClient(trx, client);
    const verification = await recordOAuthFlow(ctx, trx, pending, { clientId: client.id, intent: 'sign_up' }, now);
    await insertNewSignUp(trx, { id, clientId: client.id, external_verification_id: verification.id, ...extras }, now);
  });
  const signUp = await getSignUp(ctx, client.id, id);
  const external = signUp.externalVerification ? { ...signUp.externalVerification, externalVerificationRedirectUrl: pending.authorizeUrl } : null;
  return { ...signUp, externalVerification: external };
}

/** What the provider said, as the sign-up's columns: the address (verified if the provider verified it), names, a free username. */
async function profileFields(ctx: DomainContext, trx: Executor, clientId: string, strategy: string, profile: ProviderProfile, settings: InstanceSettings, now: number): Promise<Updateable<SignUpTable>> {
  const fields: Updateable<SignUpTable> = {};
  if (settings.email_address.enabled && profile.email) {
    const email = attempt(() => parseEmailAddress(profile.email ?? ''));
    if (email) {
      fields.email_address = email;
      fields.email_verification_id = profile.emailVerified ? (await recordVerified(trx, { clientId, strategy: `from_${strategy}` }, now)).id : null;
    }
  }
  // Names come along whatever the sign-up form asks for, as Clerk keeps them from the provider.
  if (profile.firstName) fields.first_name = profile.firstName.slice(0, 256);
  if (profile.lastName) fields.last_name = profile.lastName.slice(0, 256);
  if (settings.username.enabled && profile.username) {
    const username = attempt(() => parseUsername(profile.username ?? ''));
    if (username && !(await findTakenIdentifiers(trx, { username }))) fields.username = username;
  }
  return fields;
}

function attempt<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch {
    return undefined;
  }
}

/** The callback of a sign-up flow: the attempt is filled in and completes, or the verification says why not. */
export async function finishOAuthSignUp(ctx: DomainContext, outcome: CallbackOutcome): Promise<void> {
  if (!outcome.profile) return;
  const { flow, profile } = outcome;
  const row = await findSignUpByExternalVerification(ctx.store.db, flow.verification_id);
  if (!row) return;
  const owner = await ownerOfProfile(ctx.store.db, flow.strategy, profile);
  const now = ctx.now();
  if (!(await identifiersAllowed(ctx, profile, owner.kind === 'connected' || owner.kind === 'same_email' ? 'sign_in' : 'sign_up'))) {
    await settleVerification(ctx.store.db, flow.verification_id, 'failed', 'not_allowed_access', now);
    return;
  }
  if (owner.kind === 'connected' || owner.kind === 'same_email') {
    await settleVerification(ctx.store.db, flow.verification_id, 'transferable', 'external_account_exists', now);
    return;
  }
  if (owner.kind === 'conflict') {
    await settleVerification(ctx.store.db, flow.verification_id, 'failed', 'external_account_email_address_verification_required', now);
    return;
  }
  const settings = await readInstanceSettings(ctx);
  await ctx.store.transaction(async (trx) => {
    if (!(await settleVerification(trx, flow.verification_id, 'verified', null, now))) return;
    const fields = await profileFields(ctx, trx, row.client_id, flow.strategy, profile, settings, now);
    await updateSignUpRow(trx, row.id, { ...fields, updated_at: now });
  });
  await completeIfReady(ctx, row.client_id, row.id, settings);
}

/**
 * `POST /client/sign_ups` with `transfer=true`: the client's social sign-in found nobody; the
 * sign-up continues it with what the provider said, claiming the transferable verification once.
 */
export async function transferSignInToSignUp(ctx: DomainContext, client: ActingClient, input: SignUpInput, settings: InstanceSettings): Promise<SignUp> {
  const nothing = () => paramError('form_param_value_invalid', 'transfer', 'There is no social sign-in on this client to continue as a sign-up.');
  const clientRow = client.unsaved ? undefined : await findClientRow(ctx.store.db, client.id);
  const signIn = clientRow?.sign_in_id ? await findSignInRow(ctx.store.db, clientRow.sign_in_id) : undefined;
  const verificationId = signIn?.first_factor_verification_id;
  const [verification] = verificationId ? await findVerificationRows(ctx.store.db, [verificationId]) : [];
  if (!verification || verification.status !== 'transferable') throw nothing();
  const found = await profileOfVerification(ctx, verification.id);
  if (!found) throw nothing();
  if (settings.sign_up.mode !== 'public') throw new GatehouseError('sign_up_restricted');
  const owner = await ownerOfProfile(ctx.store.db, found.flow.strategy, found.profile);
  if (owner.kind === 'conflict') throw new GatehouseError('external_account_email_address_verification_required');
  if (owner.kind !== 'nobody') throw new GatehouseError('external_account_exists');
  await assertIdentifiersAllowed(ctx.store.db, settings, { identifiers: found.profile.email ? [found.profile.email] : [], phase: 'sign_up' });
  const extras = extrasFrom(ctx, input);
  const now = ctx.now();
  const id = newId('sua', now);
  await ctx.store.transaction(async (trx) => {
    if (!(await claimTransfer(trx, verification.id, now))) throw nothing();
    const fields = await profileFields(ctx, trx, client.id, found.flow.strategy, found.profile, settings, now);
    await insertNewSignUp(trx, { id, clientId: client.id, external_verification_id: verification.id, ...fields, ...extras }, now);
  });
  return completeIfReady(ctx, client.id, id, settings);
}

/** The provider account a completing social sign-up creates its user with. */
export async function socialAccountFor(ctx: DomainContext, row: SignUpRow, signUp: SignUp): Promise<NewUserOptions['social']> {
  const found = row.external_verification_id ? await profileOfVerification(ctx, row.external_verification_id) : undefined;
  if (!found) return undefined;
  const strategy = signUp.emailVerification?.strategy;
  return {
    account: (userId) => newExternalAccountRow(ctx, userId, found.flow.strategy, found.profile, ctx.now()),
    emailVerificationStrategy: strategy?.startsWith('from_oauth_') ? strategy : null,
  };
}
