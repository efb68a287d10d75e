import { requireAllowedRedirect } from '../../domain/redirects.js';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { getUser } from '../../domain/users/get-user.js';
import { addOwnEmailAddress, attemptOwnEmailVerification, getOwnEmailAddress, prepareOwnEmailVerification, removeOwnEmailAddress } from '../../domain/users/own-email-addresses.js';
import { addOwnPhoneNumber, attemptOwnPhoneVerification, getOwnPhoneNumber, prepareOwnPhoneVerification, removeOwnPhoneNumber } from '../../domain/users/own-phone-numbers.js';
import { serializeFapiDeleted } from '../../wire/fapi/client.js';
import { serializeEmailAddress, serializePhoneNumber } from '../../wire/user.js';
import { parseInput } from '../validation.js';
import { withClient } from './client-identity.js';
import { text } from './route-support.js';
import { signedInActor } from './signed-in-actor.js';
import type { FapiRouter } from './transport.js';

const emailParams = z.object({ email_id: text(128) });
const addEmailBody = z.object({ email_address: text(320) });
const phoneParams = z.object({ phone_number_id: text(128) });
const addPhoneBody = z.object({ phone_number: text(64) });
const prepareBody = z.object({ strategy: text(64), redirect_url: text(2048).optional() });
const attemptBody = z.object({ code: text(64) });

/** The signed-in person's email addresses and phone numbers (`/v1/me/email_addresses`, `/v1/me/phone_numbers`). */
export function registerMeContactRoutes(r: FapiRouter, ctx: DomainContext): void {
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
    const body = parseInput(prepareBody, request.body ?? {});
    return withClient(ctx, request, reply, me.clientId, serializeEmailAddress(await prepareOwnEmailVerification(ctx, me, id, body.strategy, body.redirect_url ? requireAllowedRedirect(ctx, body.redirect_url) : undefined)));
  });

  r.route('POST', '/me/email_addresses/:email_id/attempt_verification', async (request, reply) => {
    const { email_id: id } = parseInput(emailParams, request.params);
    const me = await signedInActor(ctx, request);
    const body = parseInput(attemptBody, request.body ?? {});
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
    const body = parseInput(prepareBody, request.body ?? {});
    return withClient(ctx, request, reply, me.clientId, serializePhoneNumber(await prepareOwnPhoneVerification(ctx, me, id, body.strategy)));
  });

  r.route('POST', '/me/phone_numbers/:phone_number_id/attempt_verification', async (request, reply) => {
    const { phone_number_id: id } = parseInput(phoneParams, request.params);
    const me = await signedInActor(ctx, request);
    const body = parseInput(attemptBody, request.body ?? {});
    return withClient(ctx, request, reply, me.clientId, serializePhoneNumber(await attemptOwnPhoneVerification(ctx, me, id, body.code)));
  });
}
