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
import { loadUserRecord, updateUserRow, type UserRecord } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import { appendEvent } from '../events/append-event.js';
import { eventData } from '../events/catalog.js';
import { effectiveStatus, startClientSession } from '../sessions/sessions.js';
import { readInstanceSettings, type InstanceSettings } from '../settings/instance-settings.js';
import { normalizeEmail, normalizeUsername } from '../users/identifiers.js';
import { assertMayVerify } from '../users/lockout.js';
import { updateUser } from '../users/update-user.js';
import { recordVerified, toVerification } from '../verifications/verifications.js';
import { ticketInvalid } from '../invitations/invitation-tickets.js';
import { acceptTicketInvitationIn, requireTicketInvitation, type TicketInvitation } from '../invitations/ticket-redemption.js';
import { assertSignInStep, completesOnVerification, signInStatus, type SignIn, type SignInStep } from './sign-in.js';
import { FIRST_FACTOR_STRATEGIES, isFirstFactorStrategy, supportedFirstFactors, type FirstFactorInput, type SignInSubject } from './strategies/index.js';

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

function toSignIn(row: SignInRow, user: UserRecord | undefined, settings: InstanceSettings, firstFactor: SignIn['firstFactorVerification'], now: number): SignIn {
  const subject = user ? { signIn: row, user, settings } : undefined;
  return {
    id: row.id,
    clientId: row.client_id,
    status: signInStatus(row, firstFactor, now),
    identifier: row.identifier,
    userId: row.user_id,
    userData: user ? { firstName: user.row.first_name, lastName: user.row.last_name, imageUrl: '', hasImage: false } : null,
    supportedFirstFactors: subject ? supportedFirstFactors(subject).map((f) => (f.strategy === 'password' || !row.identifier ? f : { ...f, safeIdentifier: row.identifier })) : [],
    firstFactorVerification: firstFactor,
    createdSessionId: row.created_session_id,
    abandonAt: row.abandon_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

interface LoadedSignIn {
  row: SignInRow;
  signIn: SignIn;
  subject: SignInSubject | undefined;
}

async function loadSignIn(ctx: DomainContext, clientId: string, signInId: string, settings?: InstanceSettings): Promise<LoadedSignIn> {
  const row = await findSignInRow(ctx.store.db, signInId);
  // Another client's attempt is as good as absent: its id alone must not let anyone act on it.
  if (!row || row.client_id !== clientId) throw notFound();
  const now = ctx.now();
  const [instance, user, verifications] = await Promise.all([
    settings ?? readInstanceSettings(ctx),
    row.user_id ? loadUserRecord(ctx.store.db, row.user_id) : undefined,
    findVerificationRows(ctx.store.db, row.first_factor_verification_id ? [row.first_factor_verification_id] : []),
  ]);
  const firstFactor = verifications[0] ? toVerification(verifications[0], now) : null;
  return { row, signIn: toSignIn(row, user, instance, firstFactor, now), subject: user ? { signIn: row, user, settings: instance } : undefined };
}

export async function getSignIn(ctx: DomainContext, clientId: string, signInId: string, settings?: InstanceSettings): Promise<SignIn> {
  return (await loadSignIn(ctx, clientId, signInId, settings)).signIn;
}

async function loadForStep(ctx: DomainContext, clientId: string, signInId: string, step: SignInStep, settings?: InstanceSettings): Promise<LoadedSignIn & { subject: SignInSubject }> {
  const loaded = await loadSignIn(ctx, clientId, signInId, settings);
  assertSignInStep(loaded.signIn, step);
  if (!loaded.subject) throw notFound();
  return { ...loaded, subject: loaded.subject };
}

export interface CreateSignInInput {
  identifier?: string | undefined;
  strategy?: string | undefined;
  password?: string | undefined;
  ticket?: string | undefined;
}

interface NewSignIn {
  userId: string | null;
  identifier: string | null;
  emailAddressId: string | null;
}

/** A new attempt on the client, which becomes the client's current sign-in. */
async function insertSignInAttempt(ctx: DomainContext, clientId: string, who: NewSignIn, now: number): Promise<string> {
  const id = newId('sia', now);
  await ctx.store.transaction(async (trx) => {
    await insertSignIn(trx, {
      id,
      client_id: clientId,
      user_id: who.userId,
      identifier: who.identifier,
      email_address_id: who.emailAddressId,
      first_factor_verification_id: null,
      created_session_id: null,
      abandon_at: now + SIGN_IN_LIFETIME_MS,
      created_at: now,
      updated_at: now,
    });
    await updateClientRow(trx, clientId, { sign_in_id: id, updated_at: now });
  });
  return id;
}

/**
 * Starts a sign-in on the client: with an identifier it finds the account (or says it found none),
 * and with a password as well it attempts it at once, as Clerk's sign-in form sends both together.
 */
export async function createSignIn(ctx: DomainContext, clientId: string, input: CreateSignInInput): Promise<SignIn> {
  const settings = await readInstanceSettings(ctx);
  await assertMaySignIn(ctx, clientId, settings);
  if (input.strategy === 'ticket') return createTicketSignIn(ctx, clientId, input.ticket);
  if (input.strategy !== undefined && input.strategy !== 'password') {
    throw paramError('form_param_value_invalid', 'strategy', `strategy ${input.strategy} cannot start a sign-in here.`);
  }
  const identifier = input.identifier?.trim() || undefined;
  const found = identifier ? await findSignInUser(ctx.store.db, identifier, settings) : undefined;
  if (identifier && !found) throw new GatehouseError('form_identifier_not_found', { meta: { param_name: 'identifier' } });
  const id = await insertSignInAttempt(ctx, clientId, { userId: found?.userId ?? null, identifier: identifier ?? null, emailAddressId: found?.emailAddressId ?? null }, ctx.now());
  if (input.password !== undefined || input.strategy === 'password') {
    return attemptFirstFactor(ctx, clientId, id, { strategy: 'password', password: input.password }, settings);
  }
  return getSignIn(ctx, clientId, id, settings);
}

/**
 * A sign-in by an organization invitation's ticket, as Clerk's `<SignIn/>` starts one from
 * `__clerk_ticket`: the ticket proves the invited address, so the account that has it verified
 * signs in and joins the organization in one step. An instance invitation is for someone without
 * an account and is redeemed by signing up.
 */
async function createTicketSignIn(ctx: DomainContext, clientId: string, ticket: string | undefined): Promise<SignIn> {
  if (!ticket) throw paramError('form_param_missing', 'ticket');
  const now = ctx.now();
  const invitation = await requireTicketInvitation(ctx.store.db, ticket, now);
  if (invitation.kind !== 'organization_invitation') throw ticketInvalid();
  const owner = await findVerifiedEmailOwner(ctx.store.db, invitation.emailAddress);
  if (!owner) throw new GatehouseError('form_identifier_not_found', { meta: { param_name: 'identifier' } });
  const id = await insertSignInAttempt(ctx, clientId, { userId: owner.userId, identifier: invitation.emailAddress, emailAddressId: owner.emailAddressId }, now);
  const row = await findSignInRow(ctx.store.db, id);
  if (!row) throw notFound();
  await recordingFailure(ctx, { signInId: id, userId: owner.userId, strategy: 'ticket' }, () => completeSignIn(ctx, row, { ticket: invitation }));
  return getSignIn(ctx, clientId, id);
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
  const { signIn, subject } = await loadForStep(ctx, clientId, signInId, 'prepare_first_factor');
  assertOffered(signIn, input.strategy);
  const strategy = FIRST_FACTOR_STRATEGIES[input.strategy];
  if (strategy.prepare) {
    const verificationId = await strategy.prepare(ctx, subject, { ...input, strategy: input.strategy });
    await updateSignInRow(ctx.store.db, signInId, { first_factor_verification_id: verificationId, updated_at: ctx.now() });
  }
  return getSignIn(ctx, clientId, signInId);
}

/** One attempt at a first factor; when it verifies and nothing else is needed, the sign-in completes into a session. */
export async function attemptFirstFactor(
  ctx: DomainContext,
  clientId: string,
  signInId: string,
  input: { strategy: string; password?: string | undefined; code?: string | undefined },
  settings?: InstanceSettings,
): Promise<SignIn> {
  const { row, signIn, subject } = await loadForStep(ctx, clientId, signInId, 'attempt_first_factor', settings);
  assertOffered(signIn, input.strategy);
  const strategy = input.strategy;
  const verificationId = await recordingFailure(ctx, { signInId, userId: subject.user.row.id, strategy }, async () => {
    assertMayVerify(subject.user.row, ctx.now());
    return FIRST_FACTOR_STRATEGIES[strategy].attempt(ctx, subject, { ...input, strategy });
  });
  await updateSignInRow(ctx.store.db, signInId, { first_factor_verification_id: verificationId, updated_at: ctx.now() });
  // The strategy verified its factor: unless a new password must come first, that completes it.
  if (completesOnVerification(strategy)) await completeSignIn(ctx, { ...row, first_factor_verification_id: verificationId }, { strategy });
  return getSignIn(ctx, clientId, signInId, subject.settings);
}

/** Runs one factor check; a refusal the person sees is recorded in the audit log before it is thrown. */
async function recordingFailure<T>(ctx: DomainContext, attempt: { signInId: string; userId: string; strategy: string }, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof GatehouseError) {
      const outcome = { ...attempt, error: error.code };
      await appendEvent(ctx.store.db, { type: 'sign_in.failed', data: eventData('sign_in.failed', outcome), subjectUserId: attempt.userId }, ctx.now());
    }
    throw error;
  }
}

/**
 * Turns a verified sign-in into a session, exactly once: the session insert and the claim on the
 * sign-in commit together, so of two racing completions one creates a session and the other
 * rolls back. A sign-in by ticket is verified here, with its invitation accepted in the same
 * transaction, so a refused session (a banned user) leaves the invitation pending.
 */
async function completeSignIn(ctx: DomainContext, row: SignInRow, how: { strategy: string } | { ticket: TicketInvitation }): Promise<void> {
  if (!row.user_id) throw notFound();
  const userId = row.user_id;
  const now = ctx.now();
  await ctx.store.transaction(async (trx) => {
    let strategy = 'ticket';
    let activeOrganizationId: string | null = null;
    if ('ticket' in how) {
      const verificationId = await recordVerified(trx, { clientId: row.client_id, strategy: 'ticket', emailAddressId: row.email_address_id }, now);
      await updateSignInRow(trx, row.id, { first_factor_verification_id: verificationId, updated_at: now });
      activeOrganizationId = await acceptTicketInvitationIn(ctx, trx, how.ticket, userId, now);
    } else {
      strategy = how.strategy;
    }
    const sessionId = await startClientSession(ctx, trx, { clientId: row.client_id, userId, activeOrganizationId }, now);
    if (!(await completeSignInRow(trx, row.id, sessionId, now))) throw new GatehouseError('sign_in_step_invalid', { meta: { status: 'complete' } });
    const outcome = { signInId: row.id, userId, strategy, sessionId };
    await appendEvent(trx, { type: 'sign_in.completed', data: eventData('sign_in.completed', outcome), subjectUserId: userId }, now);
    await updateUserRow(trx, userId, { last_sign_in_at: now, last_active_at: now, updated_at: now });
    await clearClientSignIn(trx, row.client_id, row.id, now);
  });
}

/**
 * The last step of a forgotten-password sign-in: the new password (checked like any other), then
 * the session. With `signOutOfOtherSessions` every session the account had ends first.
 */
export async function resetPassword(ctx: DomainContext, clientId: string, signInId: string, input: { password: string; signOutOfOtherSessions?: boolean | undefined }): Promise<SignIn> {
  const { row, signIn, subject } = await loadForStep(ctx, clientId, signInId, 'reset_password');
  await updateUser(ctx, subject.user.row.id, { password: input.password, signOutOfOtherSessions: input.signOutOfOtherSessions === true });
  await completeSignIn(ctx, row, { strategy: signIn.firstFactorVerification?.strategy ?? 'unknown' });
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
  if (loaded.signIn.status === 'complete' && row.created_session_id === null) await completeSignIn(ctx, row, { strategy: 'email_link' });
  return true;
}
