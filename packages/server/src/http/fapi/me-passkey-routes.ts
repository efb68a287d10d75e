import Bowser from 'bowser';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { completePasskeyRegistration, deletePasskey, getOwnPasskey, renamePasskey, startPasskeyRegistration } from '../../domain/passkeys/passkeys.js';
import { serializeFapiDeleted } from '../../wire/fapi/client.js';
import { serializeFapiPasskey } from '../../wire/passkey.js';
import { requireRecentVerification } from '../../domain/sessions/reverification.js';
import { parseInput } from '../validation.js';
import { withClient } from './client-identity.js';
import { text } from './route-support.js';
import { signedInActor } from './signed-in-actor.js';
import type { FapiRouter } from './transport.js';

const passkeyParams = z.object({ id: text(128) });
const passkeyAttemptBody = z.object({ strategy: z.literal('passkey').optional(), public_key_credential: text(32_768) });
const passkeyNameBody = z.object({ name: text(256) });

/** A new passkey is named after the browser and system it was made on, as Clerk names them. */
function passkeyName(userAgent: string | undefined): string {
  const agent = userAgent ? Bowser.parse(userAgent) : undefined;
  const browser = agent?.browser.name;
  const system = agent?.os.name;
  return browser && system ? `${browser} on ${system}` : (browser ?? system ?? 'Passkey');
}

/** The signed-in person's passkeys: register (options, then the authenticator's answer), read, rename, delete. */
export function registerMePasskeyRoutes(r: FapiRouter, ctx: DomainContext): void {
  r.route('POST', '/me/passkeys', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    const passkey = await startPasskeyRegistration(ctx, me.userId, passkeyName(request.headers['user-agent']));
    return withClient(ctx, request, reply, me.clientId, serializeFapiPasskey(passkey));
  });

  r.route('GET', '/me/passkeys/:id', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    const { id } = parseInput(passkeyParams, request.params);
    return withClient(ctx, request, reply, me.clientId, serializeFapiPasskey(await getOwnPasskey(ctx, me.userId, id)));
  });

  r.route('POST', '/me/passkeys/:id/attempt_verification', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    const { id } = parseInput(passkeyParams, request.params);
    const body = parseInput(passkeyAttemptBody, request.body ?? {});
    const passkey = await completePasskeyRegistration(ctx, me.userId, id, body.public_key_credential);
    return withClient(ctx, request, reply, me.clientId, serializeFapiPasskey(passkey));
  });

  r.route('PATCH', '/me/passkeys/:id', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    const { id } = parseInput(passkeyParams, request.params);
    const { name } = parseInput(passkeyNameBody, request.body ?? {});
    return withClient(ctx, request, reply, me.clientId, serializeFapiPasskey(await renamePasskey(ctx, me.userId, id, name)));
  });

  r.route('DELETE', '/me/passkeys/:id', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    await requireRecentVerification(ctx, me);
    const { id } = parseInput(passkeyParams, request.params);
    await deletePasskey(ctx, me.userId, id);
    return withClient(ctx, request, reply, me.clientId, serializeFapiDeleted({ object: 'passkey', id, deleted: true }));
  });
}
