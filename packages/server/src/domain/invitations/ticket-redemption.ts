import type { Executor } from '../../store/db.js';
import { findVerifiedEmailOwner } from '../../store/repositories/attempt-repository.js';
import type { DomainContext } from '../context.js';
import type { Metadata } from '../metadata.js';
import { acceptOrganizationInvitationIn, findPendingOrganizationInvitationByTicket } from '../organizations/organization-invitations.js';
import { ticketInvalid } from './invitation-tickets.js';
import { acceptInvitationIn, findPendingInvitationByTicket } from './invitations.js';

/**
 * The `ticket` strategy's invitations: which invitation a presented ticket belongs to, where its
 * link sends the browser, and accepting it when the sign-up or sign-in it started completes.
 */

export type TicketInvitationKind = 'invitation' | 'organization_invitation';

export interface TicketInvitation {
  kind: TicketInvitationKind;
  id: string;
  /** The invited address: the ticket proves its holder reads this mailbox. */
  emailAddress: string;
  redirectUrl: string | null;
  /** An instance invitation's metadata, given to the user it creates. */
  publicMetadata: Metadata;
}

/** The pending, unexpired invitation a ticket belongs to, if any. */
export async function findTicketInvitation(db: Executor, ticket: string, now: number): Promise<TicketInvitation | undefined> {
  const organization = await findPendingOrganizationInvitationByTicket(db, ticket, now);
  if (organization) return { kind: 'organization_invitation', id: organization.id, emailAddress: organization.emailAddress, redirectUrl: organization.redirectUrl, publicMetadata: {} };
  const instance = await findPendingInvitationByTicket(db, ticket, now);
  if (instance) return { kind: 'invitation', id: instance.id, emailAddress: instance.emailAddress, redirectUrl: instance.redirectUrl, publicMetadata: instance.publicMetadata };
  return undefined;
}

export async function requireTicketInvitation(db: Executor, ticket: string, now: number): Promise<TicketInvitation> {
  const invitation = await findTicketInvitation(db, ticket, now);
  if (!invitation) throw ticketInvalid();
  return invitation;
}

/**
 * Accepts the invitation for the user signing up or in, in the transaction that gives them their
 * session. Returns the organization an organization invitation joined, to be the session's
 * active one.
 */
export async function acceptTicketInvitationIn(
  ctx: DomainContext,
  trx: Executor,
  invitation: { kind: TicketInvitationKind; id: string },
  userId: string,
  now: number,
): Promise<string | null> {
  if (invitation.kind === 'organization_invitation') return acceptOrganizationInvitationIn(ctx, trx, invitation.id, userId, now);
  await acceptInvitationIn(trx, invitation.id, now);
  return null;
}

/** Where an opened invitation link leads: to sign up, or to sign in for someone who has an account. */
export interface TicketLanding {
  status: 'sign_up' | 'sign_in';
  /** The invitation's own `redirect_url`, when it has one. */
  redirectUrl: string | null;
}

/** Undefined when the ticket is no longer good: the browser then goes to sign up without it. */
export async function ticketLanding(ctx: DomainContext, ticket: string): Promise<TicketLanding | undefined> {
  const invitation = await findTicketInvitation(ctx.store.db, ticket, ctx.now());
  if (!invitation) return undefined;
  const hasAccount = invitation.kind === 'organization_invitation' && (await findVerifiedEmailOwner(ctx.store.db, invitation.emailAddress)) !== undefined;
  return { status: hasAccount ? 'sign_in' : 'sign_up', redirectUrl: invitation.redirectUrl };
}
