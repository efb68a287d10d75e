import { GatehouseError, paramError } from '../../errors.js';
import { findVerifiedEmailOwner } from '../../store/repositories/attempt-repository.js';
import { loadUserRecord } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import { ticketInvalid } from '../invitations/invitation-tickets.js';
import { requireTicketInvitation } from '../invitations/ticket-redemption.js';
import type { ActingClient } from '../sessions/acting-client.js';
import type { InstanceSettings } from '../settings/instance-settings.js';
import { recordVerified } from '../verifications/verifications.js';
import { actOn, loadedNew, newSignInRow, withSubject, type SignInOutcome } from './sign-in-flow.js';

/**
 * A sign-in by an organization invitation's ticket, as Clerk's `<SignIn/>` starts one from
 * `__clerk_ticket`: the ticket proves the invited address, so the account that has it verified
 * signs in and joins the organization in one step. An instance invitation is for someone without
 * an account and is redeemed by signing up.
 */
export async function createTicketSignIn(ctx: DomainContext, client: ActingClient, ticket: string | undefined, settings: InstanceSettings): Promise<SignInOutcome> {
  if (!ticket) throw paramError('form_param_missing', 'ticket');
  const now = ctx.now();
  const invitation = await requireTicketInvitation(ctx.store.db, ticket, now);
  if (invitation.kind !== 'organization_invitation') throw ticketInvalid();
  const owner = await findVerifiedEmailOwner(ctx.store.db, invitation.emailAddress);
  const user = owner ? await loadUserRecord(ctx.store.db, owner.userId) : undefined;
  if (!owner || !user) throw new GatehouseError('form_identifier_not_found', { meta: { param_name: 'identifier' } });
  const loaded = withSubject(loadedNew(ctx, client, newSignInRow(client.id, { userId: user.row.id, identifier: invitation.emailAddress, emailAddressId: owner.emailAddressId }, now), user, settings, now));
  return actOn(ctx, loaded, { strategy: 'ticket', invitation }, async () => ({
    record: (trx, at) => recordVerified(trx, { clientId: client.id, strategy: 'ticket', emailAddressId: owner.emailAddressId }, at),
  }));
}
