import { GatehouseError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import { findMembershipRow } from '../../store/repositories/membership-repository.js';
import { findOrganizationRow, type OrganizationRow } from '../../store/repositories/organization-repository.js';
import { loadRoleRefs } from './role-keys.js';

/** Clerk's system permissions, which gate what a member may do to their organization. */
export const SYSTEM_PERMISSIONS = {
  manageProfile: 'org:sys_profile:manage',
  deleteOrganization: 'org:sys_profile:delete',
  readMemberships: 'org:sys_memberships:read',
  manageMemberships: 'org:sys_memberships:manage',
  readDomains: 'org:sys_domains:read',
  manageDomains: 'org:sys_domains:manage',
} as const;
export type SystemPermission = (typeof SYSTEM_PERMISSIONS)[keyof typeof SYSTEM_PERMISSIONS];

/** A signed-in user acting in one of their organizations, with what their role lets them do. */
export interface OrganizationMember {
  userId: string;
  organizationId: string;
  /** The organization as read for the check. */
  organization: OrganizationRow;
  roleKey: string;
  permissions: ReadonlySet<string>;
}

/**
 * The caller's membership in the organization the request names, holding `permission` when one is
 * asked for. An organization that does not exist and one the caller does not belong to look the
 * same, so the reply says nothing about organizations outside the caller's own.
 */
export async function requireOrganizationMember(db: Executor, userId: string, organizationIdOrSlug: string, permission?: SystemPermission): Promise<OrganizationMember> {
  const org = await findOrganizationRow(db, organizationIdOrSlug);
  const membership = org ? await findMembershipRow(db, org.id, userId) : undefined;
  if (!org || !membership) throw new GatehouseError('organization_not_found_or_unauthorized');
  const role = (await loadRoleRefs(db, [membership.role_id])).get(membership.role_id);
  const member: OrganizationMember = { userId, organizationId: org.id, organization: org, roleKey: role?.key ?? '', permissions: new Set(role?.permissions ?? []) };
  if (permission) requirePermission(member, permission);
  return member;
}

export function requirePermission(member: OrganizationMember, permission: SystemPermission): void {
  if (!member.permissions.has(permission)) throw new GatehouseError('missing_permission', { meta: { permission } });
}
