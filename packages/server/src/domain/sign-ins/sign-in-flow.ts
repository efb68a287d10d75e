import { newId } from '../../crypto/ids.js';
import { GatehouseError, notFound, paramError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import {
  clearClientSignIn,
  completeSignInRow,
  findSignInByVerification,
  findSignInRow,
  findUserIdByUsername,
  findVerificationRows,
  findVerifiedEmailOwner,
  insertSignIn,
  updateClientRow,
  updateSignInRow,
  type SignInRow,
} from '../../store/repositories/attempt-repository.js';
import { listClientSessionRows } from '../../store/repositories/session-repository.js';
import { loadUserRecord, markUserSignedIn, type UserRecord } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import { userImageUrl } from '../images.js';
import { appendEvent } from '../events/append-event.js';
import { eventData } from '../events/catalog.js';
import { storeActingClient, type ActingClient } from '../sessions/acting-client.js';
import { effectiveStatus, startClientSession } from '../sessions/sessions.js';
import { enumerationProtected, readInstanceSettings, type InstanceSettings } from '../settings/instance-settings.js';
import { normalizeEmail, normalizeUsername } from '../users/identifiers.js';
import { assertMayVerify, isLocked } from '../users/lockout.js';
import { unlockUser } from '../users/user-restrictions.js';
import { assertIdentifiersAllowed } from '../restrictions/restrictions.js';
import { toUser } from '../users/to-user.js';
import { updateUser } from '../users/update-user.js';
import type { User } from '../users/user.js';
import { toVerification } from '../verifications/verifications.js';
import { acceptTicketInvitationIn, type TicketInvitationKind } from '../invitations/ticket-redemption.js';
import { hasSecondFactor } from '../mfa/second-factors.js';
import type { Verification } from '../verifications/verifications.js';
import { assertSignInStep, satisfiesBothFactors, signInStatus, type SecondFactorStrategyName, type SignIn, type SignInStep } from './sign-in.js';
import { isSecondFactorStrategy, SECOND_FACTOR_STRATEGIES, supportedSecondFactors } from './second-factors/index.js';
import { createOAuthSignIn, transferSignUpToSignIn } from './oauth-sign-in.js';
import { attemptPasskeySignIn, createPasskeySignIn } from './passkey-sign-in.js';
import { createTicketSignIn } from './ticket-sign-in.js';
import { answersFactor, prepareUnanswerable, protectedFirstFactors, readNobody, refuseUnanswerable } from './unknown-account.js';
import { FIRST_FACTOR_STRATEGIES, isFirstFactorStrategy, supportedFirstFactors, type FirstFactorInput, type SignInSubject, type VerifiedFactor } from './strategies/index.js';

/** How long a sign-in attempt stays open. */
const SIGN_IN_LIFETIME_MS = 60 * 60 * 1000;

async function findSignInUser(db: Executor, identifier: string, settings: InstanceSettings): Promise<{ userId: string; emailAddressId: string | null } | undefined> {
  if (identifier.includes('@')) {
    if (!settings.email_address.enabled || !settings.email_address.used_for_first_factor) return undefined;
    const owner = await findVerifiedEmailOwner(db, normalizeEmail(identifier));
    return owner ? { userId: owner.userId, emailAddressId: owner.emailAddressId } : undefined;
  }
  if (!settings.username.enabled || !settings.username.used_for_first_factor) return undefined;
  const userId = await findUserIdByUsername(db, normalizeUsername(identifier));
  return userId ? { userId, emailAddressId: null } : undefined;
}

/** In single-session mode a client that already holds an active session cannot start another. */
export async function assertMaySignIn(ctx: DomainContext, clientId: string, settings: InstanceSettings): Promise<void> {
  if (!settings.single_session_mode) return;
  const now = ctx.now();
  const sessions = await listClientSessionRows(ctx.store.db, clientId);
  if (sessions.some((s) => effectiveStatus(s, now) === 'active')) throw new GatehouseError('session_exists');
}

export interface SignInFactors {
  first: Verification | null;
  second: Verification | null;
}

export function toSignIn(ctx: Pick<DomainContext, 'publicUrl'>, row: SignInRow, user: UserRecord | undefined, settings: InstanceSettings, factors: SignInFactors, now: number): SignIn {
  const subject = user ? { signIn: row, user, settings } : undefined;
  const status = signInStatus(row, factors, { secondFactor: user !== undefined && hasSecondFactor(user.row) }, now);
  const pastFirstFactor = factors.first?.status === 'verified';
  // Under enumeration protection a sign-in by identifier shows nothing taken from the account.
  const hidden = row.identifier !== null && enumerationProtected(settings, ctx.publicUrl);
  return {
    id: row.id,
    clientId: row.client_id,
    status,
    identifier: row.identifier,
    userId: row.user_id,
    userData: user && !hidden ? { firstName: user.row.first_name, lastName: user.row.last_name, imageUrl: userImageUrl(ctx, user.row.image_id), hasImage: user.row.image_id !== null } : null,
    supportedFirstFactors: hidden
      ? protectedFirstFactors(settings, row)
      : subject
        ? supportedFirstFactors(subject).map((f) => (f.strategy === 'password' || !row.identifier ? f : { ...f, safeIdentifier: row.identifier }))
        : [],
    supportedSecondFactors: subject && pastFirstFactor && hasSecondFactor(subject.user.row) ? supportedSecondFactors(subject) : null,
    firstFactorVerification: factors.first,
    secondFactorVerification: factors.second,
    createdSessionId: row.created_session_id,
    abandonAt: row.abandon_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * A sign-in being acted on. `stored` is false for one started and attempted in the same call: it
 * is written once, with the outcome of that attempt.
 */
export interface LoadedSignIn {
  row: SignInRow;
  stored: boolean;
  client: ActingClient;
  signIn: SignIn;
  subject: SignInSubject | undefined;
}

export async function loadSignIn(ctx: DomainContext, clientId: string, signInId: string, settings?: InstanceSettings): Promise<LoadedSignIn> {
  const row = await findSignInRow(ctx.store.db, signInId);
  // Another client's attempt is as good as absent: its id alone must not let anyone act on it.
  if (!row || row.client_id !== clientId) throw notFound();
  const now = ctx.now();
  const verificationIds = [row.first_factor_verification_id, row.second_factor_verification_id].filter((id): id is string => id !== null);
  const [instance, user, verifications] = await Promise.all([
    settings ?? readInstanceSettings(ctx),
    row.user_id ? loadUserRecord(ctx.store.db, row.user_id) : undefined,
    findVerificationRows(ctx.store.db, verificationIds),
  ]);
  const byId = (id: string | null) => {
    const found = id === null ? undefined : verifications.find((v) => v.id === id);
    return found ? toVerification(found, now) : null;
  };
  const factors = { first: byId(row.first_factor_verification_id), second: byId(row.second_factor_verification_id) };
  return { row, stored: true, client: { id: clientId, unsaved: null }, signIn: toSignIn(ctx, row, user, instance, factors, now), subject: user ? { signIn: row, user, settings: instance } : undefined };
}

export async function getSignIn(ctx: DomainContext, clientId: string, signInId: string, settings?: InstanceSettings): Promise<SignIn> {
  return (await loadSignIn(ctx, clientId, signInId, settings)).signIn;
}

export type ActingOn = LoadedSignIn & { subject: SignInSubject };

export function withSubject(loaded: LoadedSignIn): ActingOn {
  if (!loaded.subject) throw notFound();
  return { ...loaded, subject: loaded.subject };
}

async function loadForStep(ctx: DomainContext, clientId: string, signInId: string, step: SignInStep, settings?: InstanceSettings): Promise<ActingOn> {
  const loaded = await loadSignIn(ctx, clientId, signInId, settings);
  assertSignInStep(loaded.signIn, step);
  return withSubject(loaded);
}

/** A sign-in step's result: the attempt, and the user as a sign-in completed in this step left them. */
export interface SignInOutcome {
  signIn: SignIn;
  signedIn?: User;
}

export interface CreateSignInInput {
  identifier?: string | undefined;
  strategy?: string | undefined;
  password?: string | undefined;
  ticket?: string | undefined;
  /** `oauth_*`: where the browser comes back to after the provider, and where it ends up once signed in. */
  redirectUrl?: string | undefined;
  actionCompleteRedirectUrl?: string | undefined;
  /** Continue the client's social sign-up as a sign-in: the provider account turned out to be connected already. */
  transfer?: boolean | undefined;
}

/** A new attempt on the client, not yet written. */
export function newSignInRow(clientId: string, who: { userId: string | null; identifier: string | null; emailAddressId: string | null }, now: number): SignInRow {
  return {
    id: newId('sia', now),
    client_id: clientId,
    user_id: who.userId,
    identifier: who.identifier,
    email_address_id: who.emailAddressId,
    first_factor_verification_id: null,
    second_factor_verification_id: null,
    password_reset_at: null,
    organization_invitation_id: null,
    created_session_id: null,
    abandon_at: now + SIGN_IN_LIFETIME_MS,
    created_at: now,
    updated_at: now,
  };
}

/** Writes an attempt still in progress; it becomes the client's current sign-in. */
export async function storeSignIn(trx: Executor, row: SignInRow): Promise<void> {
  await insertSignIn(trx, row);
  await updateClientRow(trx, row.client_id, { sign_in_id: row.id, updated_at: row.updated_at });
}

export function loadedNew(ctx: DomainContext, client: ActingClient, row: SignInRow, user: UserRecord | undefined, settings: InstanceSettings, now: number): LoadedSignIn {
  return { row, stored: false, client, signIn: toSignIn(ctx, row, user, settings, { first: null, second: null }, now), subject: user ? { signIn: row, user, settings } : undefined };
}

/**
 * Starts a sign-in on the client: with an identifier it finds the account (or says it found none),
 * and with a password as well it attempts it at once, as Clerk's sign-in form sends both together.
 */
export async function createSignIn(ctx: DomainContext, client: ActingClient, input: CreateSignInInput): Promise<SignInOutcome> {
  const settings = await readInstanceSettings(ctx);
  // A client this request started holds no sessions yet.
  if (!client.unsaved) await assertMaySignIn(ctx, client.id, settings);
  if (input.strategy === 'ticket') return createTicketSignIn(ctx, client, input.ticket, settings);
  if (input.strategy === 'passkey') return createPasskeySignIn(ctx, client, settings);
  if (input.transfer === true) return transferSignUpToSignIn(ctx, client, settings);
  if (input.strategy?.startsWith('oauth_')) return createOAuthSignIn(ctx, client, { strategy: input.strategy, redirectUrl: input.redirectUrl, actionCompleteRedirectUrl: input.actionCompleteRedirectUrl }, settings);
  if (input.strategy !== undefined && input.strategy !== 'password') {
    throw paramError('form_param_value_invalid', 'strategy', `strategy ${input.strategy} cannot start a sign-in here.`);
  }
  const identifier = input.identifier?.trim() || undefined;
  // Decided on what was typed, before any lookup: the refusal says nothing of whether an account exists.
  if (identifier?.includes('@')) await assertIdentifiersAllowed(ctx.store.db, settings, { identifiers: [normalizeEmail(identifier)], phase: 'sign_in' });
  const found = identifier ? await findSignInUser(ctx.store.db, identifier, settings) : undefined;
  const user = found ? await loadUserRecord(ctx.store.db, found.userId) : undefined;
  // Under enumeration protection an identifier nobody holds starts a sign-in all the same.
  const unknownIdentifier = identifier !== undefined && !user;
  if (unknownIdentifier) {
    if (!enumerationProtected(settings, ctx.publicUrl)) throw new GatehouseError('form_identifier_not_found', { meta: { param_name: 'identifier' } });
    // The read a found account costs, so finding none takes as long.
    if (!found) await readNobody(ctx);
  }
  const now = ctx.now();
  const emailAddressId = found?.emailAddressId ?? (unknownIdentifier && identifier.includes('@') ? newId('idn', now) : null);
  const loaded = loadedNew(ctx, client, newSignInRow(client.id, { userId: user?.row.id ?? null, identifier: identifier ?? null, emailAddressId }, now), user, settings, now);
  const password = input.password !== undefined || input.strategy === 'password' ? { strategy: 'password', password: input.password } : undefined;
  if (password && identifier) return attemptLoaded(ctx, loaded, password);
  await ctx.store.transaction(async (trx) => {
    await storeActingClient(trx, client);
    await storeSignIn(trx, loaded.row);
  });
  // A password with no account named: refused as an attempt on the stored sign-in would be.
  if (password) assertSignInStep(loaded.signIn, 'attempt_first_factor');
  return { signIn: loaded.signIn };
}

function assertOffered(signIn: SignIn, strategy: string): asserts strategy is FirstFactorInput['strategy'] {
  if (!isFirstFactorStrategy(strategy) || !signIn.supportedFirstFactors.some((f) => f.strategy === strategy)) {
    throw new GatehouseError('strategy_for_user_invalid', { meta: { param_name: 'strategy' } });
  }
}

export async function prepareFirstFactor(
  ctx: DomainContext,
  clientId: string,
  signInId: string,
  input: { strategy: string; emailAddressId?: string | undefined; redirectUrl?: string | undefined },
): Promise<SignIn> {
  const { row, signIn, subject } = await loadSignIn(ctx, clientId, signInId);
  assertSignInStep(signIn, 'prepare_first_factor');
  assertOffered(signIn, input.strategy);
  if (!subject || !answersFactor(subject, input.strategy)) {
    await prepareUnanswerable(ctx, row, { ...input, strategy: input.strategy });
    return getSignIn(ctx, clientId, signInId);
  }
  const strategy = FIRST_FACTOR_STRATEGIES[input.strategy];
  if (strategy.prepare) {
    const verificationId = await strategy.prepare(ctx, subject, { ...input, strategy: input.strategy });
    await updateSignInRow(ctx.store.db, signInId, { first_factor_verification_id: verificationId, updated_at: ctx.now() });
  }
  return getSignIn(ctx, clientId, signInId);
}

type AttemptInput = { strategy: string; password?: string | undefined; code?: string | undefined; publicKeyCredential?: string | undefined };

/** One attempt at a first factor; when it verifies and nothing else is needed, the sign-in completes into a session. */
export async function attemptFirstFactor(ctx: DomainContext, clientId: string, signInId: string, input: AttemptInput): Promise<SignInOutcome> {
  if (input.strategy === 'passkey') {
    const loaded = await loadSignIn(ctx, clientId, signInId);
    assertSignInStep(loaded.signIn, 'attempt_first_factor');
    return attemptPasskeySignIn(ctx, loaded, input.publicKeyCredential);
  }
  const loaded = await loadSignIn(ctx, clientId, signInId);
  assertSignInStep(loaded.signIn, 'attempt_first_factor');
  return attemptLoaded(ctx, loaded, input);
}

async function attemptLoaded(ctx: DomainContext, loaded: LoadedSignIn, input: AttemptInput): Promise<SignInOutcome> {
  assertOffered(loaded.signIn, input.strategy);
  const strategy = input.strategy;
  const { subject } = loaded;
  if (!answersFactor(subject, strategy)) {
    try {
      return await refuseUnanswerable(ctx, loaded.row, { ...input, strategy });
    } catch (error) {
      throw await recordRefusal(ctx, loaded, strategy, subject?.user.row.id ?? null, error);
    }
  }
  const acting = withSubject(loaded);
  return actOn(ctx, acting, { strategy }, async () => {
    assertMayVerify(acting.subject.user.row, ctx.now(), { evenLocked: FIRST_FACTOR_STRATEGIES[strategy].openWhileLocked === true });
    return FIRST_FACTOR_STRATEGIES[strategy].attempt(ctx, acting.subject, { ...input, strategy });
  });
}

/**
 * The first factor's strategy, and the invitation a ticket sign-in accepts as it completes. With
 * `second`, the factor checked is the second one.
 */
export interface Completion {
  strategy: string;
  invitation?: { kind: TicketInvitationKind; id: string } | undefined;
  second?: boolean;
}

/**
 * Checks a factor, then writes what came of it in one transaction: the verification and, unless a
 * new password or a second factor is still due, the session. A refusal the person sees is
 * recorded in the audit log (with the attempt, when this call started it) before it is thrown.
 */
export async function actOn(ctx: DomainContext, loaded: ActingOn, how: Completion, check: () => Promise<VerifiedFactor>): Promise<SignInOutcome> {
  const { row, subject } = loaded;
  const { strategy } = how;
  try {
    const factor = await check();
    const now = ctx.now();
    const done = await ctx.store.transaction(async (trx) => {
      await storeActingClient(trx, loaded.client);
      const verification = await factor.record(trx, now);
      const factors = how.second
        ? { first: loaded.signIn.firstFactorVerification, second: toVerification(verification, now) }
        : { first: toVerification(verification, now), second: null };
      const change = how.second
        ? { second_factor_verification_id: verification.id, updated_at: now }
        : {
            user_id: row.user_id,
            first_factor_verification_id: verification.id,
            organization_invitation_id: how.invitation?.kind === 'organization_invitation' ? how.invitation.id : null,
            updated_at: now,
          };
      const verified = { ...row, ...change };
      if (toSignIn(ctx, verified, subject.user, subject.settings, factors, now).status !== 'complete') {
        if (loaded.stored) await updateSignInRow(trx, row.id, change);
        else await storeSignIn(trx, verified);
        return { row: verified, factors, user: undefined };
      }
      return { ...(await completeSignInIn(ctx, trx, { ...loaded, row: verified }, how, factors, now)), factors };
    });
    const signIn = toSignIn(ctx, done.row, subject.user, subject.settings, done.factors, now);
    return done.user ? { signIn, signedIn: toUser(done.user, ctx) } : { signIn };
  } catch (error) {
    throw await recordRefusal(ctx, loaded, strategy, subject.user.row.id, error);
  }
}

/** Records a refusal the person sees (and the attempt, when this call started it); hands back the error to throw. */
async function recordRefusal(ctx: DomainContext, loaded: LoadedSignIn, strategy: string, userId: string | null, error: unknown): Promise<unknown> {
  if (!(error instanceof GatehouseError)) return error;
  const outcome = { signInId: loaded.row.id, userId, strategy, error: error.code };
  await ctx.store.transaction(async (trx) => {
    await storeActingClient(trx, loaded.client);
    if (!loaded.stored) await storeSignIn(trx, loaded.row);
    await appendEvent(trx, { type: 'sign_in.failed', data: eventData('sign_in.failed', outcome), subjectUserId: userId }, ctx.now());
  });
  return error;
}

/**
 * Turns a verified sign-in into a session, exactly once: the session insert and the claim on the
 * sign-in commit together, so of two racing completions one creates a session and the other
 * rolls back. A sign-in by ticket has its invitation accepted in the same transaction, so a
 * refused session (a banned user) leaves the invitation pending.
 */
async function completeSignInIn(
  ctx: DomainContext,
  trx: Executor,
  loaded: Pick<LoadedSignIn, 'row' | 'stored'> & { subject?: SignInSubject | undefined },
  how: Completion,
  factors: SignInFactors,
  now: number,
): Promise<{ row: SignInRow; user: UserRecord | undefined }> {
  const { row } = loaded;
  if (!row.user_id) throw notFound();
  const userId = row.user_id;
  const invitation = how.invitation ?? (row.organization_invitation_id ? { kind: 'organization_invitation' as const, id: row.organization_invitation_id } : undefined);
  const activeOrganizationId = invitation ? await acceptTicketInvitationIn(ctx, trx, invitation, userId, now) : null;
  // A stored attempt is claimed below; one made in this call is written complete, and the client's current sign-in is none.
  const finished = loaded.stored ? undefined : { sign_in_id: null };
  const first = factors.first?.verifiedAt ?? now;
  // A passkey proved both factors at once, so the session's second factor is as fresh as its first.
  const second = factors.second?.verifiedAt ?? (factors.first && satisfiesBothFactors(factors.first.strategy) ? first : null);
  const factorsVerifiedAt = { first, second };
  const sessionId = await startClientSession(ctx, trx, { clientId: row.client_id, userId, activeOrganizationId, user: loaded.subject?.user, finished, factorsVerifiedAt }, now);
  const completed = { ...row, created_session_id: sessionId, updated_at: now };
  if (!loaded.stored) await insertSignIn(trx, completed);
  else if (!(await completeSignInRow(trx, row.id, sessionId, now))) throw new GatehouseError('sign_in_step_invalid', { meta: { status: 'complete' } });
  const outcome = { signInId: row.id, userId, strategy: how.strategy, sessionId };
  await appendEvent(trx, { type: 'sign_in.completed', data: eventData('sign_in.completed', outcome), subjectUserId: userId }, now);
  const userRow = await markUserSignedIn(trx, userId, now);
  if (loaded.stored) await clearClientSignIn(trx, row.client_id, row.id, now);
  const known = loaded.subject?.user;
  return { row: completed, user: known && userRow ? { ...known, row: userRow } : undefined };
}

async function completeSignIn(ctx: DomainContext, loaded: LoadedSignIn): Promise<void> {
  const now = ctx.now();
  const strategy = loaded.signIn.firstFactorVerification?.strategy ?? 'unknown';
  const factors = { first: loaded.signIn.firstFactorVerification, second: loaded.signIn.secondFactorVerification };
  await ctx.store.transaction((trx) => completeSignInIn(ctx, trx, { row: loaded.row, stored: true }, { strategy }, factors, now));
}

function assertSecondOffered(signIn: SignIn, strategy: string): asserts strategy is SecondFactorStrategyName {
  if (!isSecondFactorStrategy(strategy) || !signIn.supportedSecondFactors?.some((f) => f.strategy === strategy)) {
    throw new GatehouseError('strategy_for_user_invalid', { meta: { param_name: 'strategy' } });
  }
}

/**
 * Nothing to send for an authenticator app or a backup code: preparing one of the person's
 * second factors only confirms it is on offer (clerk-js may call it before an attempt).
 */
export async function prepareSecondFactor(ctx: DomainContext, clientId: string, signInId: string, input: { strategy: string }): Promise<SignIn> {
  const { signIn } = await loadForStep(ctx, clientId, signInId, 'prepare_second_factor');
  assertSecondOffered(signIn, input.strategy);
  return signIn;
}

/** One attempt at the second factor of someone with two-step verification; when it verifies, the sign-in completes into a session. */
export async function attemptSecondFactor(ctx: DomainContext, clientId: string, signInId: string, input: { strategy: string; code?: string | undefined }): Promise<SignInOutcome> {
  const loaded = await loadForStep(ctx, clientId, signInId, 'attempt_second_factor');
  assertSecondOffered(loaded.signIn, input.strategy);
  const strategy = input.strategy;
  const { subject } = loaded;
  return actOn(ctx, loaded, { strategy, second: true }, async () => {
    assertMayVerify(subject.user.row, ctx.now());
    return SECOND_FACTOR_STRATEGIES[strategy].attempt(ctx, subject, { strategy, code: input.code });
  });
}

/**
 * The last step of a forgotten-password sign-in: the new password (checked like any other), then
 * the session. With `signOutOfOtherSessions` every session the account had ends first.
 */
export async function resetPassword(ctx: DomainContext, clientId: string, signInId: string, input: { password: string; signOutOfOtherSessions?: boolean | undefined }): Promise<SignIn> {
  const { row, subject } = await loadForStep(ctx, clientId, signInId, 'reset_password');
  await updateUser(ctx, subject.user.row.id, { password: input.password, signOutOfOtherSessions: input.signOutOfOtherSessions === true });
  // Proving the address and choosing a new password is what the lock waited for.
  if (isLocked(subject.user.row, ctx.now())) await unlockUser(ctx, subject.user.row.id);
  const now = ctx.now();
  await updateSignInRow(ctx.store.db, signInId, { password_reset_at: now, updated_at: now });
  // With two-step verification the second factor is still due; otherwise the session starts now.
  const loaded = await loadSignIn(ctx, clientId, signInId, subject.settings);
  if (loaded.signIn.status === 'complete' && row.created_session_id === null) await completeSignIn(ctx, loaded);
  return getSignIn(ctx, clientId, signInId, subject.settings);
}

/**
 * Completes the sign-in waiting on an opened email link's verification, in the browser that
 * asked for it (the link checked the client). False when no sign-in waits on it.
 */
export async function completeSignInByLink(ctx: DomainContext, verificationId: string): Promise<boolean> {
  const row = await findSignInByVerification(ctx.store.db, verificationId);
  if (!row) return false;
  const loaded = await loadSignIn(ctx, row.client_id, row.id);
  if (loaded.signIn.status === 'complete' && row.created_session_id === null) await completeSignIn(ctx, loaded);
  return true;
}
