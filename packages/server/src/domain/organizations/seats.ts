import { GatehouseError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import { countSeatsTaken, type OrganizationRow } from '../../store/repositories/organization-repository.js';

/**
 * Refuses to grow an organization past `max_allowed_memberships` (0 = no limit). Pending
 * invitations hold seats too. Call under `lockOrganizationRow` so concurrent adds cannot overshoot.
 */
export async function assertSeatsAvailable(db: Executor, org: OrganizationRow, now: number, adding = 1): Promise<void> {
  if (org.max_allowed_memberships <= 0) return;
  if ((await countSeatsTaken(db, org.id, now)) + adding > org.max_allowed_memberships) {
    throw new GatehouseError('organization_membership_quota_exceeded', { meta: { max_allowed_memberships: org.max_allowed_memberships } });
  }
}
