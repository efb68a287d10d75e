/**
 * Event types delivered to an endpoint that lists none: Clerk's webhook event types
 * (reference/clerk-openapi/webhooks-2025-04-15.yml). Security and audit events (`password.*`,
 * `user.locked`, `invitation.*`, `secret_key.*`, `webhook_endpoint.*`, …) are delivered only to
 * endpoints that name them, so a Clerk app never sees a type it does not know.
 */
export const CLERK_EVENT_TYPES: ReadonlySet<string> = new Set([
  'user.created', 'user.updated', 'user.deleted',
  'session.created', 'session.pending', 'session.ended', 'session.removed', 'session.revoked',
  'email.created', 'sms.created',
  'organization.created', 'organization.updated', 'organization.deleted',
  'organizationDomain.created', 'organizationDomain.updated', 'organizationDomain.deleted',
  'organizationInvitation.created', 'organizationInvitation.accepted', 'organizationInvitation.revoked',
  'organizationMembership.created', 'organizationMembership.updated', 'organizationMembership.deleted',
  'role.created', 'role.updated', 'role.deleted',
  'permission.created', 'permission.updated', 'permission.deleted',
  'waitlistEntry.created', 'waitlistEntry.updated',
  'paymentAttempt.created', 'paymentAttempt.updated',
  'subscription.created', 'subscription.updated', 'subscription.active', 'subscription.pastDue',
  'subscriptionItem.abandoned', 'subscriptionItem.active', 'subscriptionItem.canceled', 'subscriptionItem.ended',
  'subscriptionItem.freeTrialEnding', 'subscriptionItem.incomplete', 'subscriptionItem.pastDue',
  'subscriptionItem.upcoming', 'subscriptionItem.updated',
]);

/** Whether an endpoint subscribed to `events` (null = Clerk's types) receives `type`. */
export function endpointWants(events: readonly string[] | null, type: string): boolean {
  return events === null ? CLERK_EVENT_TYPES.has(type) : events.includes(type);
}
