import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import type { Metadata } from '../../domain/metadata.js';
import { loadUsersMemberships } from '../../domain/organizations/memberships.js';
import { loadBrowserSession } from '../../domain/sessions/browser-clients.js';
import { listOwnSessions, revokeOwnSession } from '../../domain/sessions/own-sessions.js';
import { getUser } from '../../domain/users/get-user.js';
import type { User } from '../../domain/users/user.js';
import { removeProfileImage, setProfileImage } from '../../domain/users/profile-image.js';
import { changeOwnPassword, deleteSelf, removeOwnPassword, updateSelf } from '../../domain/users/self-service.js';
import { serializeActiveSession, serializeFapiDeleted, serializeFapiSession, serializeFapiUser } from '../../wire/fapi/client.js';
import { notFound } from '../../errors.js';
import { uploadedImage } from '../images.js';
import { requireRecentVerification } from '../../domain/sessions/reverification.js';
import { parseInput } from '../validation.js';
import { rotateClientToken, withClient } from './client-identity.js';
import { signedInActor } from './signed-in-actor.js';
import { formBoolean, formJson, sessionParams, text } from './route-support.js';
import type { FapiRouter } from './transport.js';

/** A name sent empty clears it, as Clerk's profile form does. */
const name = text(256).transform((v) => (v.trim() === '' ? null : v));
const updateMeBody = z.object({
  first_name: name.optional(),
  last_name: name.optional(),
  username: text(256).optional(),
  unsafe_metadata: formJson.optional(),
  primary_email_address_id: text(128).optional(),
});

const removePasswordBody = z.object({ current_password: text(4096) });
const changePasswordBody = z.object({
  current_password: text(4096).optional(),
  new_password: text(4096),
  sign_out_of_other_sessions: formBoolean.optional(),
});

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
    await requireRecentVerification(ctx, me);
    const deleted = await deleteSelf(ctx, me);
    await rotateClientToken(ctx, request, reply, me.clientId);
    return withClient(ctx, request, reply, me.clientId, serializeFapiDeleted(deleted));
  });

  r.route('POST', '/me/change_password', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    await requireRecentVerification(ctx, me);
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
