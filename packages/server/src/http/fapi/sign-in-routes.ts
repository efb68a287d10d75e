import { requireAllowedRedirect } from '../../domain/redirects.js';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { openEmailLink } from '../../domain/open-email-link.js';
import { attemptFirstFactor, attemptSecondFactor, createSignIn, getSignIn, prepareFirstFactor, prepareSecondFactor, resetPassword } from '../../domain/sign-ins/sign-in-flow.js';
import { serializeSignIn } from '../../wire/fapi/client.js';
import { parseInput } from '../validation.js';
import { clientIdOrNew, currentClientId, rotateClientToken, rotateClientTokenOnCompletion, withClient } from './client-identity.js';
import { formBoolean, idParams, requireClientId, text } from './route-support.js';
import type { FapiRouter } from './transport.js';

const createSignInBody = z.object({
  identifier: text(320).optional(),
  strategy: text(64).optional(),
  password: text(4096).optional(),
  ticket: text(512).optional(),
  redirect_url: text(2048).optional(),
  action_complete_redirect_url: text(2048).optional(),
  transfer: formBoolean.optional(),
});
const prepareFactorBody = z.object({ strategy: text(64), email_address_id: text(128).optional(), redirect_url: text(2048).optional() });
const attemptFactorBody = z.object({ strategy: text(64), password: text(4096).optional(), code: text(64).optional(), public_key_credential: text(32_768).optional() });
const prepareSecondFactorBody = z.object({ strategy: text(64) });
const attemptSecondFactorBody = z.object({ strategy: text(64), code: text(64).optional() });
const resetPasswordBody = z.object({ password: text(4096), sign_out_of_other_sessions: formBoolean.optional() });
const verifyLinkQuery = z.object({ token: text(256), redirect_url: text(2048) });

/** Sign-in attempts: start, read, prepare and attempt a first and a second factor, reset the password; and opening an emailed link, for sign-ins and sign-ups alike. */
export function registerSignInRoutes(r: FapiRouter, ctx: DomainContext): void {
  r.route('POST', '/client/sign_ins', async (request, reply) => {
    const body = parseInput(createSignInBody, request.body);
    const client = await clientIdOrNew(ctx, request, reply);
    const { signIn, signedIn } = await createSignIn(ctx, client, {
      identifier: body.identifier,
      strategy: body.strategy,
      password: body.password,
      ticket: body.ticket,
      redirectUrl: body.redirect_url,
      actionCompleteRedirectUrl: body.action_complete_redirect_url,
      transfer: body.transfer,
    });
    if (signIn.status === 'complete') await rotateClientTokenOnCompletion(ctx, request, reply, client);
    return withClient(ctx, request, reply, client.id, serializeSignIn(signIn), signedIn);
  });

  r.route('GET', '/client/sign_ins/:id', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const clientId = await requireClientId(ctx, request);
    return withClient(ctx, request, reply, clientId, serializeSignIn(await getSignIn(ctx, clientId, id)));
  });

  r.route('POST', '/client/sign_ins/:id/prepare_first_factor', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const body = parseInput(prepareFactorBody, request.body);
    const clientId = await requireClientId(ctx, request);
    const signIn = await prepareFirstFactor(ctx, clientId, id, { strategy: body.strategy, emailAddressId: body.email_address_id, redirectUrl: body.redirect_url });
    return withClient(ctx, request, reply, clientId, serializeSignIn(signIn));
  });

  r.route('POST', '/client/sign_ins/:id/attempt_first_factor', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const body = parseInput(attemptFactorBody, request.body);
    const clientId = await requireClientId(ctx, request);
    const { signIn, signedIn } = await attemptFirstFactor(ctx, clientId, id, { strategy: body.strategy, password: body.password, code: body.code, publicKeyCredential: body.public_key_credential });
    if (signIn.status === 'complete') await rotateClientToken(ctx, request, reply, clientId);
    return withClient(ctx, request, reply, clientId, serializeSignIn(signIn), signedIn);
  });

  r.route('POST', '/client/sign_ins/:id/prepare_second_factor', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const body = parseInput(prepareSecondFactorBody, request.body);
    const clientId = await requireClientId(ctx, request);
    return withClient(ctx, request, reply, clientId, serializeSignIn(await prepareSecondFactor(ctx, clientId, id, body)));
  });

  r.route('POST', '/client/sign_ins/:id/attempt_second_factor', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const body = parseInput(attemptSecondFactorBody, request.body);
    const clientId = await requireClientId(ctx, request);
    const { signIn, signedIn } = await attemptSecondFactor(ctx, clientId, id, body);
    if (signIn.status === 'complete') await rotateClientToken(ctx, request, reply, clientId);
    return withClient(ctx, request, reply, clientId, serializeSignIn(signIn), signedIn);
  });

  r.route('POST', '/client/sign_ins/:id/reset_password', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const body = parseInput(resetPasswordBody, request.body);
    const clientId = await requireClientId(ctx, request);
    const signIn = await resetPassword(ctx, clientId, id, { password: body.password, signOutOfOtherSessions: body.sign_out_of_other_sessions === true });
    await rotateClientToken(ctx, request, reply, clientId);
    return withClient(ctx, request, reply, clientId, serializeSignIn(signIn));
  });

  // An emailed link, opened: the browser goes back to the app with what happened in `__clerk_status`.
  r.route('GET', '/verify', async (request, reply) => {
    const q = parseInput(verifyLinkQuery, request.query);
    const target = requireAllowedRedirect(ctx, q.redirect_url);
    const clientId = await currentClientId(ctx, request);
    const status = await openEmailLink(ctx, q.token, clientId);
    if (status === 'verified' && clientId) await rotateClientToken(ctx, request, reply, clientId);
    target.searchParams.set('__clerk_status', status);
    return reply.redirect(target.href, 303);
  });
}
