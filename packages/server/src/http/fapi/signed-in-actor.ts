import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { currentAuditContext } from '../../domain/events/audit-context.js';
import { requireSignedIn, type SignedIn } from '../../domain/sessions/signed-in.js';
import { parseInput } from '../validation.js';
import { currentClientId } from './client-identity.js';
import { text } from './route-support.js';

const sessionQuery = z.object({ _clerk_session_id: text(128).optional() });

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
