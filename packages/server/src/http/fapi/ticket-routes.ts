import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { ticketLanding, type TicketLanding } from '../../domain/invitations/ticket-redemption.js';
import { allowedRedirectUrl } from '../../domain/redirects.js';
import { parseInput } from '../validation.js';
import { text } from './route-support.js';
import type { FapiRouter } from './transport.js';

const acceptQuery = z.object({ ticket: text(512) });

/**
 * The page an invitation link opens on: the invitation's own `redirect_url` when it is on an
 * allowed origin, else the hosted page for the step the invitee has to take.
 */
function landingUrl(ctx: DomainContext, landing: TicketLanding | undefined): URL {
  const own = landing?.redirectUrl ? allowedRedirectUrl(ctx, landing.redirectUrl) : undefined;
  if (own) return own;
  return new URL(landing?.status === 'sign_in' ? '/sign-in' : '/sign-up', ctx.publicUrl);
}

/** `GET /v1/tickets/accept`: where the link in an invitation email leads. */
export function registerTicketRoutes(r: FapiRouter, ctx: DomainContext): void {
  r.route('GET', '/tickets/accept', async (request, reply) => {
    const { ticket } = parseInput(acceptQuery, request.query);
    const landing = await ticketLanding(ctx, ticket);
    const target = landingUrl(ctx, landing);
    // A used or lapsed ticket still lands on the sign-up page, without it, as Clerk's does; the
    // ticket is checked again (and consumed) only when the sign-up or sign-in completes.
    if (landing) {
      target.searchParams.set('__clerk_ticket', ticket);
      target.searchParams.set('__clerk_status', landing.status);
    }
    return reply.redirect(target.href, 303);
  });
}
