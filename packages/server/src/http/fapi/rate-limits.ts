import type { FastifyInstance } from 'fastify';
import type { RateLimitName } from '../../config.js';
import { sendTooManyRequests } from '../errors.js';
import { methodOf } from './transport.js';
import { rateLimitKey } from '../client-address.js';
import type { SharedLimiters } from '../rate-limit-store.js';

/**
 * Per-IP limits on the Frontend API's sensitive steps, Clerk's published defaults unless set
 * otherwise: starting sign-ins and sign-ups, sending codes and links, and attempting them. Starting
 * a sign-in is also limited per identifier, so one account cannot be hammered from many
 * addresses. Counted where `rate-limit-store.ts` says: shared by every process on the store or on
 * Redis, or in this process alone.
 */
const ROUTES: Record<string, RateLimitName> = {
  'POST /client/sign_ins': 'sign_in',
  'POST /client/sign_ups': 'sign_up',
  'POST /client/sign_ins/:id/prepare_first_factor': 'send',
  'POST /client/sign_ups/:id/prepare_verification': 'send',
  'POST /client/sign_ins/:id/attempt_first_factor': 'attempt',
  'POST /client/sign_ups/:id/attempt_verification': 'attempt',
  'POST /client/sign_ins/:id/reset_password': 'attempt',
  'POST /me/email_addresses/:email_id/prepare_verification': 'send',
  'POST /me/email_addresses/:email_id/attempt_verification': 'attempt',
  'POST /me/phone_numbers/:phone_number_id/prepare_verification': 'send',
  'POST /me/phone_numbers/:phone_number_id/attempt_verification': 'attempt',
  'POST /me/change_password': 'attempt',
  'POST /me/remove_password': 'attempt',
  'POST /organizations/:organization_id/domains/:domain_id/prepare_affiliation_verification': 'send',
  'POST /organizations/:organization_id/domains/:domain_id/attempt_affiliation_verification': 'attempt',
};

export async function registerRateLimits(app: FastifyInstance, shared: SharedLimiters | undefined): Promise<void> {
  if (!shared) return;
  const limiters = await shared.open();
  const perIdentifier = limiters.get('sign_in');

  app.addHook('preHandler', async (request, reply) => {
    const route = request.routeOptions.url?.replace(/^\/fapi\/v1/, '');
    const name = route ? ROUTES[`${methodOf(request)} ${route}`] : undefined;
    const limiter = name ? limiters.get(name) : undefined;
    if (!limiter) return undefined;
    try {
      await limiter.consume(rateLimitKey(request.ip));
      const identifier = (request.body as Record<string, unknown> | undefined)?.['identifier'];
      if (name === 'sign_in' && perIdentifier && typeof identifier === 'string' && identifier.length <= 320) {
        await perIdentifier.consume(`identifier:${identifier.trim().toLowerCase()}`);
      }
    } catch (refusal) {
      if (refusal instanceof Error) throw refusal;
      return sendTooManyRequests(request, reply, refusal);
    }
    return undefined;
  });
}
