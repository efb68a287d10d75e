import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { loadBrowserSession } from '../../domain/sessions/browser-clients.js';
import {
  attemptReverificationFirstFactor,
  attemptReverificationSecondFactor,
  prepareReverificationFirstFactor,
  prepareReverificationSecondFactor,
  REVERIFICATION_LEVELS,
  startReverification,
  type SessionReverification,
} from '../../domain/sessions/reverification.js';
import { requireSignedIn, type SignedIn } from '../../domain/sessions/signed-in.js';
import { currentAuditContext } from '../../domain/events/audit-context.js';
import { serializeSessionReverification } from '../../wire/fapi/client.js';
import { parseInput } from '../validation.js';
import { currentClientId, tokenAudience, withClient } from './client-identity.js';
import { sessionParams, text } from './route-support.js';
import type { FapiRouter } from './transport.js';

const verifyBody = z.object({ level: z.enum(REVERIFICATION_LEVELS) });
const prepareFirstBody = z.object({ strategy: text(64), email_address_id: text(128).optional() });
const attemptFirstBody = z.object({ strategy: text(64), password: text(4096).optional(), code: text(64).optional() });
const secondBody = z.object({ strategy: text(64), code: text(64).optional() });

/** The session in the path, which must be this client's and active; its person is the actor. */
async function sessionOwner(ctx: DomainContext, request: FastifyRequest): Promise<SignedIn> {
  const { session_id } = parseInput(sessionParams, request.params);
  const me = await requireSignedIn(ctx, await currentClientId(ctx, request), session_id);
  const audit = currentAuditContext();
  if (audit) audit.actor = { type: 'user', id: me.userId };
  return me;
}

/** Step-up verification of a signed-in session (`/client/sessions/{id}/verify`). */
export function registerSessionVerificationRoutes(r: FapiRouter, ctx: DomainContext): void {
  const reply = async (request: FastifyRequest, raw: Parameters<typeof withClient>[2], me: SignedIn, view: SessionReverification) => {
    const session = await loadBrowserSession(ctx, me.clientId, me.sessionId, tokenAudience(ctx, request));
    return withClient(ctx, request, raw, me.clientId, serializeSessionReverification(view, session));
  };

  r.route('POST', '/client/sessions/:session_id/verify', async (request, raw) => {
    const me = await sessionOwner(ctx, request);
    const { level } = parseInput(verifyBody, request.body ?? {});
    return reply(request, raw, me, await startReverification(ctx, me, level));
  });

  r.route('POST', '/client/sessions/:session_id/verify/prepare_first_factor', async (request, raw) => {
    const me = await sessionOwner(ctx, request);
    const body = parseInput(prepareFirstBody, request.body ?? {});
    return reply(request, raw, me, await prepareReverificationFirstFactor(ctx, me, { strategy: body.strategy, emailAddressId: body.email_address_id }));
  });

  r.route('POST', '/client/sessions/:session_id/verify/attempt_first_factor', async (request, raw) => {
    const me = await sessionOwner(ctx, request);
    const body = parseInput(attemptFirstBody, request.body ?? {});
    return reply(request, raw, me, await attemptReverificationFirstFactor(ctx, me, body));
  });

  // An app code or a backup code needs nothing sent first.
  r.route('POST', '/client/sessions/:session_id/verify/prepare_second_factor', async (request, raw) => {
    const me = await sessionOwner(ctx, request);
    const body = parseInput(secondBody, request.body ?? {});
    return reply(request, raw, me, await prepareReverificationSecondFactor(ctx, me, body.strategy));
  });

  r.route('POST', '/client/sessions/:session_id/verify/attempt_second_factor', async (request, raw) => {
    const me = await sessionOwner(ctx, request);
    const body = parseInput(secondBody, request.body ?? {});
    return reply(request, raw, me, await attemptReverificationSecondFactor(ctx, me, body));
  });
}
