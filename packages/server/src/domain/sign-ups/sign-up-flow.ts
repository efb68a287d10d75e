import { newId } from '../../crypto/ids.js';
import { GatehouseError, notFound, paramError } from '../../errors.js';
import {
  completeSignUpRow,
  findSignUpByVerification,
  findSignUpRow,
  findVerificationRows,
  insertSignUp,
  updateClientRow,
  updateSignUpRow,
  type SignUpRow,
} from '../../store/repositories/attempt-repository.js';
import { anyEmailAddressTaken, phoneNumberTaken } from '../../store/repositories/identification-repository.js';
import { findTakenIdentifiers, insertUserRecordIn } from '../../store/repositories/user-repository.js';
import type { SignUpTable } from '../../store/schema.js';
import type { Updateable } from 'kysely';
import type { DomainContext } from '../context.js';
import { assertValidMetadata, parseStoredMetadata, type Metadata } from '../metadata.js';
import { storeActingClient, type ActingClient } from '../sessions/acting-client.js';
import { startClientSession } from '../sessions/sessions.js';
import { enumerationProtected, readInstanceSettings, type InstanceSettings } from '../settings/instance-settings.js';
import { startUnanswerableVerification } from '../verifications/email-notices.js';
import { prepareNewUser } from '../users/create-user.js';
import { identifierTaken, withIdentifierConflicts } from '../users/identifier-conflicts.js';
import { normalizeEmail, parseEmailAddress, parsePhoneNumber, parseUsername } from '../users/identifiers.js';
import { credentialFromInput } from '../users/password-credential.js';
import { checkEmailCode, sendEmailCode } from '../verifications/email-codes.js';
import { sendEmailLink } from '../verifications/email-links.js';
import { requireAllowedRedirect } from '../redirects.js';
import { recordVerified, toVerification } from '../verifications/verifications.js';
import { ticketInvalid } from '../invitations/invitation-tickets.js';
import { acceptTicketInvitationIn, requireTicketInvitation, type TicketInvitation, type TicketInvitationKind } from '../invitations/ticket-redemption.js';
import { findInvitationRow } from '../../store/repositories/invitation-repository.js';
import type { Executor } from '../../store/db.js';
import { assertMaySignIn } from '../sign-ins/sign-in-flow.js';
import { recordExternalAccountEvent } from '../oauth/external-accounts.js';
import { assertIdentifiersAllowed } from '../restrictions/restrictions.js';
import { createOAuthSignUp, socialAccountFor, transferSignInToSignUp } from './oauth-sign-up.js';
import { readyToComplete, toSignUp, type SignUp } from './sign-up.js';

/** How long a sign-up attempt stays open. */
const SIGN_UP_LIFETIME_MS = 24 * 60 * 60 * 1000;

export interface SignUpInput {
  emailAddress?: string | undefined;
  phoneNumber?: string | undefined;
  password?: string | undefined;
  username?: string | undefined;
  firstName?: string | undefined;
  lastName?: string | undefined;
  unsafeMetadata?: Metadata | undefined;
  legalAccepted?: boolean | undefined;
  /** `ticket` with `ticket`: an invitation's, which gives the email address, verified. */
  strategy?: string | undefined;
  ticket?: string | undefined;
  /** `oauth_*`: where the browser comes back to after the provider, and where it ends up once signed up. */
  redirectUrl?: string | undefined;
  actionCompleteRedirectUrl?: string | undefined;
  /** Continue the client's social sign-in as a sign-up: the provider account is not connected to anyone. */
  transfer?: boolean | undefined;
}

async function load(ctx: DomainContext, clientId: string, signUpId: string, settings?: InstanceSettings): Promise<{ row: SignUpRow; signUp: SignUp; settings: InstanceSettings }> {
  const row = await findSignUpRow(ctx.store.db, signUpId);
  if (!row || row.client_id !== clientId) throw notFound();
  const instance = settings ?? (await readInstanceSettings(ctx));
  const ids = [row.email_verification_id, row.external_verification_id].filter((id): id is string => id !== null);
  const verifications = await findVerificationRows(ctx.store.db, ids);
  const now = ctx.now();
  const byId = (id: string | null) => {
    const found = id === null ? undefined : verifications.find((v) => v.id === id);
    return found ? toVerification(found, now) : null;
  };
  return { row, signUp: toSignUp(row, instance, { email: byId(row.email_verification_id), external: byId(row.external_verification_id) }, now), settings: instance };
}

export async function getSignUp(ctx: DomainContext, clientId: string, signUpId: string): Promise<SignUp> {
  return (await load(ctx, clientId, signUpId)).signUp;
}

/** The columns a sign-up input sets, validated; the password is checked against the policy and hashed here. */
async function fieldsFrom(ctx: DomainContext, input: SignUpInput, current: Partial<SignUpRow>, settings: InstanceSettings, invited: boolean): Promise<Updateable<SignUpTable>> {
  const patch: Updateable<SignUpTable> = {};
  if (input.emailAddress !== undefined) {
    if (!settings.email_address.enabled) throw paramError('form_param_value_invalid', 'email_address', 'Email addresses are not enabled on this instance.');
    const email = parseEmailAddress(input.emailAddress);
    // Under enumeration protection a taken address goes on to a verification only its owner hears of.
    if (!(enumerationProtected(settings, ctx.publicUrl) && !invited) && (await anyEmailAddressTaken(ctx.store.db, [email]))) throw identifierTaken('email_address');
    if (email !== current.email_address) {
      patch.email_address = email;
      patch.email_verification_id = null;
    }
  }
  if (input.phoneNumber !== undefined) {
    if (!settings.phone_number.enabled) throw paramError('form_param_value_invalid', 'phone_number', 'Phone numbers are not enabled on this instance.');
    const phone = input.phoneNumber.trim() === '' ? null : parsePhoneNumber(input.phoneNumber);
    if (phone && (await phoneNumberTaken(ctx.store.db, phone))) throw identifierTaken('phone_number');
    patch.phone_number = phone;
  }
  if (input.username !== undefined) {
    const username = parseUsername(input.username);
    if (await findTakenIdentifiers(ctx.store.db, { username })) throw identifierTaken('username');
    patch.username = username;
  }
  const given = [patch.email_address, patch.phone_number].filter((v): v is string => typeof v === 'string');
  await assertIdentifiersAllowed(ctx.store.db, settings, { identifiers: given, phase: 'sign_up', invited });
  if (input.firstName !== undefined) patch.first_name = input.firstName.trim() || null;
  if (input.lastName !== undefined) patch.last_name = input.lastName.trim() || null;
  if (input.unsafeMetadata !== undefined) patch.unsafe_metadata = JSON.stringify(assertValidMetadata(input.unsafeMetadata, 'unsafe_metadata'));
  if (input.legalAccepted === true) patch.legal_accepted_at = ctx.now();
  if (input.password !== undefined) {
    if (!settings.password.enabled) throw paramError('form_param_value_invalid', 'password', 'Passwords are not enabled on this instance.');
    const credential = await credentialFromInput(
      { kind: 'plaintext', password: input.password, skipChecks: false },
      {
        emailAddresses: [patch.email_address ?? current.email_address ?? ''].filter(Boolean),
        username: patch.username ?? current.username ?? null,
        firstName: patch.first_name ?? current.first_name ?? null,
        lastName: patch.last_name ?? current.last_name ?? null,
      },
      ctx,
    );
    patch.password_digest = credential.digest;
    patch.password_hasher = credential.hasher;
  }
  return patch;
}

/**
 * The invitation a `ticket` sign-up presents, if any. Its address becomes the sign-up's, verified
 * by the ticket; on a sign-up bound to an invitation (now or before) another address is refused
 * rather than silently replaced, and so is another invitation's ticket.
 */
async function invitationFrom(ctx: DomainContext, input: SignUpInput, current: InvitationColumns): Promise<TicketInvitation | undefined> {
  let invitation: TicketInvitation | undefined;
  if (input.strategy !== undefined || input.ticket !== undefined) {
    if (input.strategy !== 'ticket') throw paramError('form_param_value_invalid', 'strategy', `strategy ${input.strategy ?? ''} cannot start a sign-up here.`);
    if (!input.ticket) throw paramError('form_param_missing', 'ticket');
    invitation = await requireTicketInvitation(ctx.store.db, input.ticket, ctx.now());
  }
  const bound = boundInvitation(current);
  if (invitation && bound && bound.id !== invitation.id) throw ticketInvalid();
  const invited = invitation?.emailAddress ?? (bound ? current.email_address : undefined);
  if (invited && input.emailAddress !== undefined && normalizeEmail(input.emailAddress) !== invited) {
    throw paramError('form_param_value_invalid', 'email_address', 'The email address is the one the invitation was sent to.');
  }
  return invitation;
}

/** The columns that bind a sign-up to its invitation, with the address verified by the ticket. */
async function ticketFields(trx: Executor, clientId: string, invitation: TicketInvitation, current: InvitationColumns, now: number): Promise<Updateable<SignUpTable>> {
  if (boundInvitation(current)?.id === invitation.id) return {};
  return {
    email_address: invitation.emailAddress,
    email_verification_id: (await recordVerified(trx, { clientId, strategy: 'ticket' }, now)).id,
    invitation_id: invitation.kind === 'invitation' ? invitation.id : null,
    organization_invitation_id: invitation.kind === 'organization_invitation' ? invitation.id : null,
  };
}

/** Starts a sign-up on the client; it completes at once when nothing else is needed. */
export async function createSignUp(ctx: DomainContext, client: ActingClient, input: SignUpInput): Promise<SignUp> {
  const clientId = client.id;
  const settings = await readInstanceSettings(ctx);
  if (input.transfer === true) return transferSignInToSignUp(ctx, client, input, settings);
  if (input.strategy?.startsWith('oauth_')) return createOAuthSignUp(ctx, client, { ...input, strategy: input.strategy }, settings);
  const invitation = await invitationFrom(ctx, input, {});
  // Restricted and waitlist instances still take the people they invited.
  if (settings.sign_up.mode !== 'public' && !invitation) throw new GatehouseError('sign_up_restricted');
  if (!client.unsaved) await assertMaySignIn(ctx, clientId, settings);
  const fields = await fieldsFrom(ctx, invitation ? { ...input, emailAddress: invitation.emailAddress } : input, {}, settings, invitation !== undefined);
  const now = ctx.now();
  const id = newId('sua', now);
  await ctx.store.transaction(async (trx) => {
    await storeActingClient(trx, client);
    const bound = invitation ? await ticketFields(trx, clientId, invitation, {}, now) : {};
    await insertNewSignUp(trx, { id, clientId, ...fields, ...bound }, now);
  });
  return completeIfReady(ctx, clientId, id, settings);
}

/** Writes a new attempt with `fields` set; it becomes the client's current sign-up. */
export async function insertNewSignUp(trx: Executor, input: { id: string; clientId: string } & Updateable<SignUpTable>, now: number): Promise<void> {
  const { id, clientId, ...fields } = input;
  await insertSignUp(trx, {
    id,
    client_id: clientId,
    email_address: null,
    phone_number: null,
    username: null,
    first_name: null,
    last_name: null,
    password_digest: null,
    password_hasher: null,
    unsafe_metadata: '{}',
    legal_accepted_at: null,
    email_verification_id: null,
    external_verification_id: null,
    invitation_id: null,
    organization_invitation_id: null,
    created_user_id: null,
    created_session_id: null,
    abandon_at: now + SIGN_UP_LIFETIME_MS,
    created_at: now,
    updated_at: now,
    ...fields,
  });
  await updateClientRow(trx, clientId, { sign_up_id: id, updated_at: now });
}

/** The columns a sign-up takes from what it was given besides its identifiers: metadata and consent, checked. */
export function extrasFrom(ctx: DomainContext, input: Pick<SignUpInput, 'unsafeMetadata' | 'legalAccepted'>): Updateable<SignUpTable> {
  return {
    ...(input.unsafeMetadata !== undefined ? { unsafe_metadata: JSON.stringify(assertValidMetadata(input.unsafeMetadata, 'unsafe_metadata')) } : {}),
    ...(input.legalAccepted === true ? { legal_accepted_at: ctx.now() } : {}),
  };
}

export async function updateSignUp(ctx: DomainContext, clientId: string, signUpId: string, input: SignUpInput): Promise<SignUp> {
  const { row, signUp, settings } = await load(ctx, clientId, signUpId);
  if (signUp.status !== 'missing_requirements') throw new GatehouseError('sign_in_step_invalid', { meta: { status: signUp.status } });
  const invitation = await invitationFrom(ctx, input, row);
  const fields = await fieldsFrom(ctx, invitation ? { ...input, emailAddress: invitation.emailAddress } : input, row, settings, invitation !== undefined || boundInvitation(row) !== undefined);
  const now = ctx.now();
  await ctx.store.transaction(async (trx) => {
    const bound = invitation ? await ticketFields(trx, clientId, invitation, row, now) : {};
    await updateSignUpRow(trx, signUpId, { ...fields, ...bound, updated_at: now });
  });
  return completeIfReady(ctx, clientId, signUpId, settings);
}

/** Sends the code or the link that verifies the sign-up's email address; a link needs an allowed `redirect_url`. */
export async function prepareSignUpVerification(
  ctx: DomainContext,
  clientId: string,
  signUpId: string,
  input: { strategy: string; redirectUrl?: string | undefined },
): Promise<SignUp> {
  const { row, signUp, settings } = await load(ctx, clientId, signUpId);
  if (signUp.status !== 'missing_requirements') throw new GatehouseError('sign_in_step_invalid', { meta: { status: signUp.status } });
  const strategy = input.strategy;
  if ((strategy !== 'email_code' && strategy !== 'email_link') || !signUp.emailVerificationStrategies.includes(strategy)) {
    throw new GatehouseError('strategy_for_user_invalid', { meta: { param_name: 'strategy' } });
  }
  if (!row.email_address) throw paramError('form_param_missing', 'email_address');
  const to = row.email_address;
  const redirect = strategy === 'email_link' ? requireAllowedRedirect(ctx, input.redirectUrl) : undefined;
  let verificationId: string;
  if (enumerationProtected(settings, ctx.publicUrl) && (await anyEmailAddressTaken(ctx.store.db, [to]))) {
    verificationId = await startUnanswerableVerification(ctx, { clientId, strategy, to, emailAddressId: null, notice: 'sign_up_account_exists' });
  } else if (redirect) {
    verificationId = await sendEmailLink(ctx, { clientId, to, emailAddressId: null, userId: null, redirect, purpose: 'verify' });
  } else {
    verificationId = await sendEmailCode(ctx, { clientId, strategy, to, emailAddressId: null, userId: null, purpose: 'verify' });
  }
  await updateSignUpRow(ctx.store.db, signUpId, { email_verification_id: verificationId, updated_at: ctx.now() });
  return getSignUp(ctx, clientId, signUpId);
}

export async function attemptSignUpVerification(ctx: DomainContext, clientId: string, signUpId: string, input: { strategy: string; code: string }): Promise<SignUp> {
  const { row, signUp, settings } = await load(ctx, clientId, signUpId);
  if (signUp.status !== 'missing_requirements') throw new GatehouseError('sign_in_step_invalid', { meta: { status: signUp.status } });
  if (input.strategy !== 'email_code') throw new GatehouseError('strategy_for_user_invalid', { meta: { param_name: 'strategy' } });
  await checkEmailCode(ctx, { verificationId: row.email_verification_id, strategy: 'email_code', code: input.code, userId: null });
  return completeIfReady(ctx, clientId, signUpId, settings);
}

/**
 * Completes the sign-up whose email address an opened link just verified, in the browser that
 * asked for it (the link checked the client). False when no sign-up waits on it.
 */
export async function completeSignUpByLink(ctx: DomainContext, verificationId: string): Promise<boolean> {
  const row = await findSignUpByVerification(ctx.store.db, verificationId);
  if (!row) return false;
  await completeIfReady(ctx, row.client_id, row.id, await readInstanceSettings(ctx));
  return true;
}

/**
 * A sign-up with nothing missing becomes a user with an active session, exactly once: the claim on
 * the sign-up, the user, the invitation it came from (and the membership that brings) and the
 * session commit together, and a racing completion finds the claim taken and reports the sign-up
 * as it stands.
 */
export async function completeIfReady(ctx: DomainContext, clientId: string, signUpId: string, settings: InstanceSettings): Promise<SignUp> {
  const { row, signUp } = await load(ctx, clientId, signUpId, settings);
  if (!readyToComplete(signUp)) return signUp;
  const invitation = boundInvitation(row);
  const invited = row.invitation_id ? await findInvitationRow(ctx.store.db, row.invitation_id) : undefined;
  const social = row.external_verification_id ? await socialAccountFor(ctx, row, signUp) : undefined;
  const { record, event } = await prepareNewUser(
    ctx,
    {
      emailAddress: row.email_address ? [row.email_address] : [],
      // Optional and not verified at sign-up: the person verifies it from their account.
      ...(row.phone_number ? { phoneNumber: [row.phone_number], phoneNumberIdentificationStatus: ['unverified' as const] } : {}),
      username: row.username,
      firstName: row.first_name,
      lastName: row.last_name,
      unsafeMetadata: JSON.parse(row.unsafe_metadata) as Metadata,
      legalAcceptedAt: row.legal_accepted_at,
      ...(invited ? { publicMetadata: parseStoredMetadata(invited.public_metadata) } : {}),
    },
    {
      ...(row.password_digest && row.password_hasher ? { credential: { digest: row.password_digest, hasher: row.password_hasher } } : {}),
      ...(social ? { social } : {}),
    },
  );
  const now = ctx.now();
  const userId = record.row.id;
  const sessionId = newId('sess', now);
  await withIdentifierConflicts(() =>
    ctx.store.transaction(async (trx) => {
      if (!(await completeSignUpRow(trx, signUpId, userId, sessionId, now))) return;
      await insertUserRecordIn(trx, record, event);
      for (const account of record.externalAccounts) await recordExternalAccountEvent(ctx, trx, 'user.external_account_linked', account, now);
      const activeOrganizationId = invitation ? await acceptTicketInvitationIn(ctx, trx, invitation, userId, now) : null;
      await startClientSession(ctx, trx, { clientId, userId, sessionId, activeOrganizationId, finished: { sign_up_id: null } }, now);
    }),
  );
  return getSignUp(ctx, clientId, signUpId);
}

/** What a sign-up keeps of the invitation it came from (nothing yet, for one being created). */
type InvitationColumns = Partial<Pick<SignUpRow, 'invitation_id' | 'organization_invitation_id' | 'email_address'>>;

function boundInvitation(row: InvitationColumns): { kind: TicketInvitationKind; id: string } | undefined {
  if (row.organization_invitation_id) return { kind: 'organization_invitation', id: row.organization_invitation_id };
  if (row.invitation_id) return { kind: 'invitation', id: row.invitation_id };
  return undefined;
}
