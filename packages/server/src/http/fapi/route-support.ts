import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { notFound } from '../../errors.js';
import { currentClientId } from './client-identity.js';

/** What the Frontend API's routes share: parameter shapes as clerk-js sends them, and two guards. */
export const idParams = z.object({ id: z.string().min(1).max(128) });
export const sessionParams = z.object({ session_id: z.string().min(1).max(128) });
export const text = (max = 1024) => z.string().max(max);

/** A form sends objects as JSON text and booleans as `true`/`false`; JSON bodies send them as they are. */
export const formJson = z.union([
  z.record(z.string(), z.unknown()),
  text(8192).transform((v, c) => {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      c.addIssue({ code: 'custom', message: 'must be a JSON object' });
      return z.NEVER;
    }
  }),
]);
export const formBoolean = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

/** The request's client; a request without one has nothing to act on. */
export async function requireClientId(ctx: DomainContext, request: FastifyRequest): Promise<string> {
  const clientId = await currentClientId(ctx, request);
  if (!clientId) throw notFound();
  return clientId;
}
