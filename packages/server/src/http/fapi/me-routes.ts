import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { currentAuditContext } from '../../domain/events/audit-context.js';
import type { Metadata } from '../../domain/metadata.js';
import { loadUsersMemberships } from '../../domain/organizations/memberships.js';
import { loadBrowserSession } from '../../domain/sessions/browser-clients.js';
import { listOwnSessions, revokeOwnSession } from '../../domain/sessions/own-sessions.js';
import { requireSignedIn, type SignedIn } from '../../domain/sessions/signed-in.js';
import { getUser } from '../../domain/users/get-user.js';
import type { User } from '../../domain/users/user.js';
import { addOwnEmailAddress, attemptOwnEmailVerification, getOwnEmailAddress, prepareOwnEmailVerification, removeOwnEmailAddress } from '../../domain/users/own-email-addresses.js';
import { addOwnPhoneNumber, attemptOwnPhoneVerification, getOwnPhoneNumber, prepareOwnPhoneVerification, removeOwnPhoneNumber } from '../../domain/users/own-phone-numbers.js';
import { removeProfileImage, setProfileImage } from '../../domain/users/profile-image.js';
import { changeOwnPassword, deleteSelf, removeOwnPassword, updateSelf } from '../../domain/users/self-service.js';
import { serializeActiveSession, serializeFapiDeleted, serializeFapiSession, serializeFapiUser } from '../../wire/fapi/client.js';
import { serializeEmailAddress, serializePhoneNumber } from '../../wire/user.js';
import { notFound } from '../../errors.js';
import { uploadedImage } from '../images.js';
import { parseInput } from '../validation.js';
import { currentClientId, rotateClientToken, withClient } from './client-identity.js';
import { formBoolean, formJson, redirectTarget, sessionParams, text } from './route-support.js';
import type { FapiRouter } from './transport.js';

const sessionQuery = z.object({ _clerk_session_id: text(128).optional() });
/** A name sent empty clears it, as Clerk's profile form does. */
const name = text(256).transform((v) => (v.trim() === '' ? null : v));
const updateMeBody = z.object({
  first_name: name.optional(),
  last_name: name.optional(),
  username: text(256).optional(),
  unsafe_metadata: formJson.optional(),
  primary_email_address_id: text(128).optional(),
});

const emailParams = z.object({ email_id: text(128) });
const addEmailBody = z.object({ email_address: text(320) });
const prepareEmailBody = z.object({ strategy: text(64), redirect_url: text(2048).optional() });
const attemptEmailBody = z.object({ code: text(64) });

const phoneParams = z.object({ phone_number_id: text(128) });
const addPhoneBody = z.object({ phone_number: text(64) });
const removePasswordBody = z.object({ current_password: text(4096) });
const changePasswordBody = z.object({
  current_password: text(4096).optional(),
  new_password: text(4096),
  sign_out_of_other_sessions: formBoolean.optional(),
});

/**
 * The signed-in person behind a request, who becomes the actor of every event it causes. The
 * session is the one clerk-js names, and must be this client's and active.
 */
export async function signedInActor(ctx: DomainContext, request: FastifyRequest): Promise<SignedIn> {
  const { _clerk_session_id: sessionId } = parseInput(sessionQuery, request.query ?? {});
  const signedIn = await requireSignedIn(ctx, await currentClientId(ctx, request), sessionId || undefined);
  const audit = currentAuditContext();
  if (audit) audit.actor = { type: 'user', id: signedIn.userId };
  return signedIn;
}

/** The user as their own browser sees them, memberships included (clerk-js reads the active organization from them). */
async function ownAccount(ctx: DomainContext, user: User) {
  return serializeFapiUser(user, (await loadUsersMemberships(ctx, [user.id])).get(user.id) ?? []);
}

/** The signed-in user's own account (`/v1/me`): read it, and change what a person may change. */
export function registerMeRoutes(r: FapiRouter, ctx: DomainContext): void {
  r.route('GET', '/me', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    const user = await getUser(ctx, me.userId);
    return withClient(ctx, request, reply, me.clientId, await ownAccount(ctx, user), user);
  });

  r.route('PATCH', '/me', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    const body = parseInput(updateMeBody, request.body ?? {});
    const user = await updateSelf(ctx, me.userId, {
      firstName: body.first_name,
      lastName: body.last_name,
      username: body.username,
      unsafeMetadata: body.unsafe_metadata as Metadata | undefined,
      primaryEmailAddressId: body.primary_email_address_id,
    });
    return withClient(ctx, request, reply, me.clientId, await ownAccount(ctx, user), user);
  });

  // Deleting the account signs this client out too, so its token changes as at any sign-out.
  r.route('DELETE', '/me', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    const deleted = await deleteSelf(ctx, me);
    await rotateClientToken(ctx, request, reply, me.clientId);
    return withClient(ctx, request, reply, me.clientId, serializeFapiDeleted(deleted));
  });

  r.route('POST', '/me/change_password', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    const body = parseInput(changePasswordBody, request.body ?? {});
    const user = await changeOwnPassword(ctx, me, { currentPassword: body.current_password, newPassword: body.new_password, signOutOfOtherSessions: body.sign_out_of_other_sessions });
    return withClient(ctx, request, reply, me.clientId, await ownAccount(ctx, user), user);
  });

  r.route('POST', '/me/remove_password', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    const body = parseInput(removePasswordBody, request.body ?? {});
    const user = await removeOwnPassword(ctx, me, body.current_password);
    return withClient(ctx, request, reply, me.clientId, await ownAccount(ctx, user), user);
  });

  // The person's picture: uploaded as one multipart `file`, served from /images like logos.
  r.route('POST', '/me/profile_image', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    const image = await setProfileImage(ctx, me.userId, await uploadedImage(request));
    return withClient(ctx, request, reply, me.clientId, { object: 'image', id: image.id, name: image.id, public_url: image.url });
  });

  r.route('DELETE', '/me/profile_image', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    const removed = await removeProfileImage(ctx, me.userId);
    if (!removed) throw notFound();
    return withClient(ctx, request, reply, me.clientId, serializeFapiDeleted({ object: 'image', id: removed, deleted: true }));
  });

  // The person's email addresses: add one, then verify it with a code sent to it; remove one.
  r.route('GET', '/me/email_addresses', async (request) => {
    const me = await signedInActor(ctx, request);
    return (await getUser(ctx, me.userId)).emailAddresses.map(serializeEmailAddress);
  });

  r.route('POST', '/me/email_addresses', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    const body = parseInput(addEmailBody, request.body ?? {});
    const added = await addOwnEmailAddress(ctx, me, body.email_address);
    return withClient(ctx, request, reply, me.clientId, serializeEmailAddress(added));
  });

  r.route('GET', '/me/email_addresses/:email_id', async (request, reply) => {
    const { email_id: id } = parseInput(emailParams, request.params);
    const me = await signedInActor(ctx, request);
    return withClient(ctx, request, reply, me.clientId, serializeEmailAddress(await getOwnEmailAddress(ctx, me, id)));
  });

  r.route('DELETE', '/me/email_addresses/:email_id', async (request, reply) => {
    const { email_id: id } = parseInput(emailParams, request.params);
    const me = await signedInActor(ctx, request);
    return withClient(ctx, request, reply, me.clientId, serializeFapiDeleted(await removeOwnEmailAddress(ctx, me, id)));
  });

  r.route('POST', '/me/email_addresses/:email_id/prepare_verification', async (request, reply) => {
    const { email_id: id } = parseInput(emailParams, request.params);
    const me = await signedInActor(ctx, request);
    const body = parseInput(prepareEmailBody, request.body ?? {});
    return withClient(ctx, request, reply, me.clientId, serializeEmailAddress(await prepareOwnEmailVerification(ctx, me, id, body.strategy, body.redirect_url ? redirectTarget(ctx, body.redirect_url) : undefined)));
  });

  r.route('POST', '/me/email_addresses/:email_id/attempt_verification', async (request, reply) => {
    const { email_id: id } = parseInput(emailParams, request.params);
    const me = await signedInActor(ctx, request);
    const body = parseInput(attemptEmailBody, request.body ?? {});
    return withClient(ctx, request, reply, me.clientId, serializeEmailAddress(await attemptOwnEmailVerification(ctx, me, id, body.code)));
  });

  // The person's phone numbers, verified by a texted code (the development inbox, until an SMS provider comes).
  r.route('GET', '/me/phone_numbers', async (request) => {
    const me = await signedInActor(ctx, request);
    return (await getUser(ctx, me.userId)).phoneNumbers.map(serializePhoneNumber);
  });

  r.route('POST', '/me/phone_numbers', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    const body = parseInput(addPhoneBody, request.body ?? {});
    return withClient(ctx, request, reply, me.clientId, serializePhoneNumber(await addOwnPhoneNumber(ctx, me, body.phone_number)));
  });

  r.route('GET', '/me/phone_numbers/:phone_number_id', async (request, reply) => {
    const { phone_number_id: id } = parseInput(phoneParams, request.params);
    const me = await signedInActor(ctx, request);
    return withClient(ctx, request, reply, me.clientId, serializePhoneNumber(await getOwnPhoneNumber(ctx, me, id)));
  });

  r.route('DELETE', '/me/phone_numbers/:phone_number_id', async (request, reply) => {
    const { phone_number_id: id } = parseInput(phoneParams, request.params);
    const me = await signedInActor(ctx, request);
    return withClient(ctx, request, reply, me.clientId, serializeFapiDeleted(await removeOwnPhoneNumber(ctx, me, id)));
  });

  r.route('POST', '/me/phone_numbers/:phone_number_id/prepare_verification', async (request, reply) => {
    const { phone_number_id: id } = parseInput(phoneParams, request.params);
    const me = await signedInActor(ctx, request);
    const body = parseInput(prepareEmailBody, request.body ?? {});
    return withClient(ctx, request, reply, me.clientId, serializePhoneNumber(await prepareOwnPhoneVerification(ctx, me, id, body.strategy)));
  });

  r.route('POST', '/me/phone_numbers/:phone_number_id/attempt_verification', async (request, reply) => {
    const { phone_number_id: id } = parseInput(phoneParams, request.params);
    const me = await signedInActor(ctx, request);
    const body = parseInput(attemptEmailBody, request.body ?? {});
    return withClient(ctx, request, reply, me.clientId, serializePhoneNumber(await attemptOwnPhoneVerification(ctx, me, id, body.code)));
  });

  // The person's signed-in devices, on every client, and signing one of them out.
  r.route('GET', '/me/sessions', async (request) => {
    const me = await signedInActor(ctx, request);
    return (await listOwnSessions(ctx, me.userId)).map((own) => serializeFapiSession(own.session));
  });

  r.route('GET', '/me/sessions/active', async (request) => {
    const me = await signedInActor(ctx, request);
    return (await listOwnSessions(ctx, me.userId)).map(serializeActiveSession);
  });

  r.route('POST', '/me/sessions/:session_id/revoke', async (request, reply) => {
    const { session_id: sessionId } = parseInput(sessionParams, request.params);
    const me = await signedInActor(ctx, request);
    const revoked = await revokeOwnSession(ctx, me.userId, sessionId);
    const seen = await loadBrowserSession(ctx, revoked.clientId, revoked.id);
    return withClient(ctx, request, reply, me.clientId, serializeFapiSession(seen));
  });
}
