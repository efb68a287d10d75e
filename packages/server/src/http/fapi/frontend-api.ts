import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { endClientSession, mintClientSessionToken, signOutClient, touchSession } from '../../domain/sessions/client-sessions.js';
import { loadBrowserSession } from '../../domain/sessions/browser-clients.js';
import { readInstanceSettings } from '../../domain/settings/instance-settings.js';
import { attemptFirstFactor, createSignIn, getSignIn, openSignInLink, prepareFirstFactor, resetPassword } from '../../domain/sign-ins/sign-in-flow.js';
import { notFound, paramError } from '../../errors.js';
import { allowedRedirectUrl } from '../../domain/redirects.js';
import { handshakeDirectives, handshakeToken, storeHandshakePayload } from '../../domain/sessions/handshake.js';
import { serializeFapiSession, serializeSignIn, serializeSignUp } from '../../wire/fapi/client.js';
import { attemptSignUpVerification, createSignUp, getSignUp, prepareSignUpVerification, updateSignUp, type SignUpInput } from '../../domain/sign-ups/sign-up-flow.js';
import { serializeEnvironment } from '../../wire/fapi/environment.js';
import { registerNotFound } from '../errors.js';
import { parseInput } from '../validation.js';
import { CLIENT, clientIdOrNew, currentClientId, rotateClientToken, withClient } from './client-identity.js';
import { FapiRouter, registerOriginPolicy } from './transport.js';
import { registerRateLimits } from './rate-limits.js';
import type { RateLimitSettings } from '../../config.js';

const idParams = z.object({ id: z.string().min(1).max(128) });
const sessionParams = z.object({ session_id: z.string().min(1).max(128) });
const text = (max = 1024) => z.string().max(max);

const createSignInBody = z.object({
  identifier: text(320).optional(),
  strategy: text(64).optional(),
  password: text(4096).optional(),
});
const prepareFactorBody = z.object({ strategy: text(64), email_address_id: text(128).optional(), redirect_url: text(2048).optional() });
const touchRedirectQuery = z.object({ redirect_url: text(2048) });
const verifyLinkQuery = z.object({ token: text(256), redirect_url: text(2048) });
const attemptFactorBody = z.object({ strategy: text(64), password: text(4096).optional(), code: text(64).optional() });
const resetPasswordBody = z.object({ password: text(4096), sign_out_of_other_sessions: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional() });
/** A form sends objects as JSON text and booleans as `true`/`false`; JSON bodies send them as they are. */
const formJson = z.union([z.record(z.string(), z.unknown()), text(8192).transform((v, c) => {
  try {
    return JSON.parse(v) as unknown;
  } catch {
    c.addIssue({ code: 'custom', message: 'must be a JSON object' });
    return z.NEVER;
  }
})]);
const formBoolean = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const signUpBody = z.object({
  email_address: text(320).optional(),
  password: text(4096).optional(),
  username: text(256).optional(),
  first_name: text(256).optional(),
  last_name: text(256).optional(),
  unsafe_metadata: formJson.optional(),
  legal_accepted: formBoolean.optional(),
});
function signUpInput(b: z.output<typeof signUpBody>): SignUpInput {
  return {
    emailAddress: b.email_address,
    password: b.password,
    username: b.username,
    firstName: b.first_name,
    lastName: b.last_name,
    unsafeMetadata: b.unsafe_metadata as SignUpInput['unsafeMetadata'],
    legalAccepted: b.legal_accepted,
  };
}
const prepareVerificationBody = z.object({ strategy: text(64) });
const attemptVerificationBody = z.object({ strategy: text(64), code: text(64) });
const touchBody = z.object({ active_organization_id: text(128).optional(), intent: text(32).optional() });
const handshakeQuery = z.object({
  redirect_url: text(2048),
  format: z.enum(['nonce', 'token']).optional(),
  suffixed_cookies: text(8).optional(),
});
const tokenParams = sessionParams.extend({ template: z.string().min(1).max(256).optional() });

/** The Frontend API at `/fapi/v1`, as `@clerk/clerk-js` calls it (clerk-compat §3). */
export async function registerFrontendApi(app: FastifyInstance, ctx: DomainContext, rateLimits: RateLimitSettings): Promise<void> {
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  registerOriginPolicy(app, ctx);
  registerNotFound(app);
  registerRateLimits(app, rateLimits);
  app.options('*', async (_request, reply) => reply.code(204).send());
  const r = new FapiRouter(app);

  const environment = async () => {
    const settings = await readInstanceSettings(ctx);
    return serializeEnvironment({
      settings,
      applicationName: ctx.policy.applicationName,
      origin: ctx.publicUrl.origin,
      lockout: ctx.policy.lockout,
      passwordMinLength: ctx.policy.passwordMinLength,
    });
  };
  r.route('GET', '/environment', environment);
  r.route('PATCH', '/environment', environment);

  r.route('GET', '/client', async (request, reply) => {
    const clientId = await currentClientId(ctx, request);
    return withClient(ctx, request, reply, clientId, CLIENT);
  });

  // Signing out: the client's sessions end, and its token changes.
  const signOut: RouteHandlerMethod = async (request, reply) => {
    const clientId = await currentClientId(ctx, request);
    if (clientId) {
      await signOutClient(ctx, clientId);
      await rotateClientToken(ctx, request, reply, clientId);
    }
    return withClient(ctx, request, reply, clientId, CLIENT);
  };
  r.route('DELETE', '/client', signOut);
  r.route('DELETE', '/client/sessions', signOut);

  r.route('POST', '/client/sign_ins', async (request, reply) => {
    const body = parseInput(createSignInBody, request.body);
    const clientId = await clientIdOrNew(ctx, request, reply);
    const signIn = await createSignIn(ctx, clientId, body);
    if (signIn.status === 'complete') await rotateClientToken(ctx, request, reply, clientId);
    return withClient(ctx, request, reply, clientId, serializeSignIn(signIn));
  });

  r.route('GET', '/client/sign_ins/:id', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const clientId = await currentClientId(ctx, request);
    if (!clientId) throw notFound();
    return withClient(ctx, request, reply, clientId, serializeSignIn(await getSignIn(ctx, clientId, id)));
  });

  r.route('POST', '/client/sign_ins/:id/prepare_first_factor', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const body = parseInput(prepareFactorBody, request.body);
    const clientId = await currentClientId(ctx, request);
    if (!clientId) throw notFound();
    const signIn = await prepareFirstFactor(ctx, clientId, id, { strategy: body.strategy, emailAddressId: body.email_address_id, redirectUrl: body.redirect_url });
    return withClient(ctx, request, reply, clientId, serializeSignIn(signIn));
  });

  r.route('POST', '/client/sign_ins/:id/attempt_first_factor', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const body = parseInput(attemptFactorBody, request.body);
    const clientId = await currentClientId(ctx, request);
    if (!clientId) throw notFound();
    const signIn = await attemptFirstFactor(ctx, clientId, id, body);
    if (signIn.status === 'complete') await rotateClientToken(ctx, request, reply, clientId);
    return withClient(ctx, request, reply, clientId, serializeSignIn(signIn));
  });

  r.route('POST', '/client/sign_ins/:id/reset_password', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const body = parseInput(resetPasswordBody, request.body);
    const clientId = await currentClientId(ctx, request);
    if (!clientId) throw notFound();
    const signIn = await resetPassword(ctx, clientId, id, { password: body.password, signOutOfOtherSessions: body.sign_out_of_other_sessions === true });
    await rotateClientToken(ctx, request, reply, clientId);
    return withClient(ctx, request, reply, clientId, serializeSignIn(signIn));
  });

  r.route('POST', '/client/sign_ups', async (request, reply) => {
    const input = signUpInput(parseInput(signUpBody, request.body));
    const clientId = await clientIdOrNew(ctx, request, reply);
    const signUp = await createSignUp(ctx, clientId, input);
    if (signUp.status === 'complete') await rotateClientToken(ctx, request, reply, clientId);
    return withClient(ctx, request, reply, clientId, serializeSignUp(signUp));
  });

  r.route('GET', '/client/sign_ups/:id', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const clientId = await currentClientId(ctx, request);
    if (!clientId) throw notFound();
    return withClient(ctx, request, reply, clientId, serializeSignUp(await getSignUp(ctx, clientId, id)));
  });

  r.route('PATCH', '/client/sign_ups/:id', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const input = signUpInput(parseInput(signUpBody, request.body));
    const clientId = await currentClientId(ctx, request);
    if (!clientId) throw notFound();
    const signUp = await updateSignUp(ctx, clientId, id, input);
    if (signUp.status === 'complete') await rotateClientToken(ctx, request, reply, clientId);
    return withClient(ctx, request, reply, clientId, serializeSignUp(signUp));
  });

  r.route('POST', '/client/sign_ups/:id/prepare_verification', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const body = parseInput(prepareVerificationBody, request.body);
    const clientId = await currentClientId(ctx, request);
    if (!clientId) throw notFound();
    return withClient(ctx, request, reply, clientId, serializeSignUp(await prepareSignUpVerification(ctx, clientId, id, body)));
  });

  r.route('POST', '/client/sign_ups/:id/attempt_verification', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const body = parseInput(attemptVerificationBody, request.body);
    const clientId = await currentClientId(ctx, request);
    if (!clientId) throw notFound();
    const signUp = await attemptSignUpVerification(ctx, clientId, id, body);
    if (signUp.status === 'complete') await rotateClientToken(ctx, request, reply, clientId);
    return withClient(ctx, request, reply, clientId, serializeSignUp(signUp));
  });

  r.route('POST', '/client/sessions/:session_id/touch', async (request, reply) => {
    const { session_id } = parseInput(sessionParams, request.params);
    const body = parseInput(touchBody, request.body);
    const clientId = await currentClientId(ctx, request);
    if (!clientId) throw notFound();
    await touchSession(ctx, clientId, session_id, { activeOrganizationId: body.active_organization_id });
    return withClient(ctx, request, reply, clientId, serializeFapiSession(await loadBrowserSession(ctx, clientId, session_id)));
  });

  for (const path of ['/client/sessions/:session_id/tokens', '/client/sessions/:session_id/tokens/:template']) {
    r.route('POST', path, async (request) => {
      const params = parseInput(tokenParams, request.params);
      const clientId = await currentClientId(ctx, request);
      if (!clientId) throw notFound();
      const origin = request.headers.origin;
      const token = await mintClientSessionToken(ctx, clientId, params.session_id, {
        ...(params.template ? { template: params.template } : {}),
        ...(origin ? { origin } : {}),
      });
      return { object: 'token', jwt: token.jwt };
    });
  }

  for (const [action, status] of [
    ['end', 'ended'],
    ['remove', 'removed'],
  ] as const) {
    r.route('POST', `/client/sessions/:session_id/${action}`, async (request, reply) => {
      const { session_id } = parseInput(sessionParams, request.params);
      const clientId = await currentClientId(ctx, request);
      if (!clientId) throw notFound();
      await endClientSession(ctx, clientId, session_id, status);
      return withClient(ctx, request, reply, clientId, serializeFapiSession(await loadBrowserSession(ctx, clientId, session_id)));
    });
  }

  r.route('GET', '/client/sessions/:session_id', async (request, reply) => {
    const { session_id } = parseInput(sessionParams, request.params);
    const clientId = await currentClientId(ctx, request);
    if (!clientId) throw notFound();
    return withClient(ctx, request, reply, clientId, serializeFapiSession(await loadBrowserSession(ctx, clientId, session_id)));
  });

  // Clerk's middleware sends a browser here when it cannot tell from the app's cookies who is
  // signed in; the answer goes back to the app as cookie directives (clerk-compat §2.4).
  r.route('GET', '/client/handshake', async (request, reply) => {
    const q = parseInput(handshakeQuery, request.query);
    const target = allowedRedirectUrl(ctx, q.redirect_url);
    if (!target) throw paramError('form_param_value_invalid', 'redirect_url', 'redirect_url must be an absolute URL on an allowed origin.');
    const clientId = await currentClientId(ctx, request);
    const directives = await handshakeDirectives(ctx, clientId, { suffixed: q.suffixed_cookies === 'true', secure: target.protocol === 'https:' });
    if (q.format === 'nonce') target.searchParams.set('__clerk_handshake_nonce', await storeHandshakePayload(ctx, directives));
    else target.searchParams.set('__clerk_handshake', await handshakeToken(ctx, directives));
    return reply.redirect(target.href, 307);
  });

  // clerk-js passes through here on its way to another origin after signing in, so the Frontend
  // API can refresh the client's cookies before the browser lands on the app.
  r.route('GET', '/client/touch', async (request, reply) => {
    const q = parseInput(touchRedirectQuery, request.query);
    const target = allowedRedirectUrl(ctx, q.redirect_url);
    if (!target) throw paramError('form_param_value_invalid', 'redirect_url', 'redirect_url must be an absolute URL on an allowed origin.');
    const clientId = await currentClientId(ctx, request);
    await withClient(ctx, request, reply, clientId, CLIENT);
    return reply.redirect(target.href, 303);
  });

  // An emailed link, opened: the browser goes back to the app with what happened in `__clerk_status`.
  r.route('GET', '/verify', async (request, reply) => {
    const q = parseInput(verifyLinkQuery, request.query);
    const target = allowedRedirectUrl(ctx, q.redirect_url);
    if (!target) throw paramError('form_param_value_invalid', 'redirect_url', 'redirect_url must be an absolute URL on an allowed origin.');
    const clientId = await currentClientId(ctx, request);
    const status = await openSignInLink(ctx, q.token, clientId);
    if (status === 'verified' && clientId) await rotateClientToken(ctx, request, reply, clientId);
    target.searchParams.set('__clerk_status', status);
    return reply.redirect(target.href, 303);
  });

  r.finish();
}
