import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DomainContext } from '../../domain/context.js';
import { receiveOAuthCallback } from '../../domain/oauth/oauth-flows.js';
import { finishOAuthConnect } from '../../domain/oauth/connect-account.js';
import { finishOAuthSignIn } from '../../domain/sign-ins/oauth-sign-in.js';
import { finishOAuthSignUp } from '../../domain/sign-ups/oauth-sign-up.js';
import { currentClientId, rotateClientToken } from './client-identity.js';
import type { FapiRouter } from './transport.js';

/** Every parameter a provider sends back, as given (the code exchange checks them). */
function callbackParams(source: unknown): URLSearchParams {
  const params = new URLSearchParams();
  if (typeof source !== 'object' || source === null) return params;
  for (const [k, v] of Object.entries(source)) {
    if (typeof v === 'string' && k.length <= 64 && v.length <= 8192) params.set(k, v);
  }
  return params;
}

/**
 * `/v1/oauth_callback`: the provider sends the browser back here. The flow is finished for the
 * sign-in, sign-up or connection that started it, then the browser goes on to the `redirect_url`
 * it came from, where clerk-js reads the outcome from the client (`handleRedirectCallback`).
 */
export function registerOAuthCallbackRoutes(r: FapiRouter, ctx: DomainContext): void {
  r.route('GET', '/oauth_callback', async (request: FastifyRequest, reply: FastifyReply) => {
    const clientId = await currentClientId(ctx, request);
    const outcome = await receiveOAuthCallback(ctx, callbackParams(request.query), clientId);
    switch (outcome.flow.intent) {
      case 'sign_in':
        await finishOAuthSignIn(ctx, outcome);
        break;
      case 'sign_up':
        await finishOAuthSignUp(ctx, outcome);
        break;
      case 'connect':
        await finishOAuthConnect(ctx, outcome);
        break;
    }
    // A session may have started: the client's token changes with it.
    if (clientId && outcome.profile) await rotateClientToken(ctx, request, reply, clientId);
    return reply.redirect(outcome.flow.redirect_url, 303);
  });

  // Providers answering with `response_mode=form_post` (Apple) post across sites, without the
  // client's SameSite cookie; the same parameters as a GET navigation carry it.
  r.route('POST', '/oauth_callback', async (request: FastifyRequest, reply: FastifyReply) => {
    const query = callbackParams(request.body).toString();
    return reply.redirect(`${request.url.split('?')[0]}?${query}`, 303);
  });
}
