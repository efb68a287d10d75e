import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClerkError } from '../support/clerk-errors.js';
import { recordSpecConformance, type SpecRecorder } from '../support/spec-recorder.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let spec: SpecRecorder;

beforeAll(async () => {
  t = await startTestServer();
  spec = recordSpecConformance(t.url);
});

afterAll(async () => {
  spec?.restore();
  await t?.close();
});

const SYSTEM_PERMISSION_KEYS = [
  'org:sys_domains:manage',
  'org:sys_domains:read',
  'org:sys_memberships:manage',
  'org:sys_memberships:read',
  'org:sys_profile:delete',
  'org:sys_profile:manage',
];

const roles = () => t.clerk.organizationRoles;
const permissions = () => t.clerk.organizationPermissions;
const keysOf = (items: readonly { key: string }[]) => items.map((i) => i.key);

async function roleByKey(key: string) {
  const { data } = await roles().getOrganizationRoleList({ query: key, limit: 500 });
  const role = data.find((r) => r.key === key);
  if (!role) throw new Error(`no role ${key}`);
  return role;
}

/** A fresh organization with one member holding `roleKey`. */
let seeded = 0;
async function seedMembership(roleKey: string): Promise<{ organizationId: string; userId: string }> {
  seeded += 1;
  const user = await t.clerk.users.createUser({ emailAddress: [`member-${seeded}@roles.test`] });
  const organization = await t.clerk.organizations.createOrganization({ name: 'Role Testers' });
  await t.clerk.organizations.createOrganizationMembership({ organizationId: organization.id, userId: user.id, role: roleKey });
  return { organizationId: organization.id, userId: user.id };
}

describe('organization permissions and roles through @clerk/backend', () => {
  it('lists the six system permissions out of the box', async () => {
    const list = await permissions().getOrganizationPermissionList();
    expect(list.totalCount).toBe(6);
    expect(keysOf(list.data).sort()).toEqual(SYSTEM_PERMISSION_KEYS);
    const raw = await t.request('GET', '/v1/organization_permissions');
    const body = raw.body as { data: { type: string; id: string }[] };
    expect(body.data.every((p) => p.type === 'system' && p.id.startsWith('perm_sys_'))).toBe(true);
  });

  it('lists the default roles, with org:admin holding every system permission and org:member reading members', async () => {
    const list = await roles().getOrganizationRoleList();
    expect(list.totalCount).toBe(2);
    const admin = list.data.find((r) => r.key === 'org:admin');
    const member = list.data.find((r) => r.key === 'org:member');
    expect(admin?.id).toBe('role_admin');
    expect(keysOf(admin?.permissions ?? [])).toEqual(SYSTEM_PERMISSION_KEYS);
    expect(admin?.isCreatorEligible).toBe(true);
    expect(member?.id).toBe('role_member');
    expect(keysOf(member?.permissions ?? [])).toEqual(['org:sys_memberships:read']);
    expect(member?.isCreatorEligible).toBe(false);
  });

  it('creates a custom permission and reads it back', async () => {
    const created = await permissions().createOrganizationPermission({ name: 'Read invoices', key: 'org:invoices:read', description: 'See every invoice.' });
    expect(created.id).toMatch(/^perm_[0-9A-Za-z]{27}$/);
    expect(created).toMatchObject({ name: 'Read invoices', key: 'org:invoices:read', description: 'See every invoice.' });
    expect(Math.abs(created.createdAt - Date.now())).toBeLessThan(60_000);
    const again = await permissions().getOrganizationPermission(created.id);
    expect(again).toEqual(created);
    const raw = await t.request('GET', `/v1/organization_permissions/${created.id}`);
    expect(raw.body).toMatchObject({ object: 'permission', type: 'user' });
    const bare = await permissions().createOrganizationPermission({ name: 'Pay invoices', key: 'org:invoices:pay' });
    expect(bare.description).toBe('');
  });

  it('creates a role holding a permission named by id, and reads it back', async () => {
    const invoices = await permissions().getOrganizationPermissionList({ query: 'org:invoices:read' });
    const permission = invoices.data[0];
    expect(invoices.totalCount).toBe(1);
    const role = await roles().createOrganizationRole({
      name: 'Billing',
      key: 'org:billing',
      description: 'Handles money.',
      permissions: [permission?.id ?? ''],
      includeInInitialRoleSet: true,
    });
    expect(role.id).toMatch(/^role_[0-9A-Za-z]{27}$/);
    expect(role).toMatchObject({ name: 'Billing', key: 'org:billing', description: 'Handles money.', isCreatorEligible: false });
    expect(keysOf(role.permissions)).toEqual(['org:invoices:read']);
    expect(role.permissions[0]?.id).toBe(permission?.id);
    expect(await roles().getOrganizationRole(role.id)).toEqual(role);
  });

  it('accepts permission keys as well as ids when creating a role, and defaults the description to null', async () => {
    const role = await roles().createOrganizationRole({ name: 'Auditor', key: 'org:auditor', permissions: ['org:invoices:read', 'org:sys_memberships:read', 'org:invoices:read'] });
    expect(keysOf(role.permissions)).toEqual(['org:invoices:read', 'org:sys_memberships:read']);
    expect(role.description).toBeNull();
    const empty = await roles().createOrganizationRole({ name: 'Guest', key: 'org:guest' });
    expect(empty.permissions).toEqual([]);
  });

  it('refuses a role naming a permission that does not exist', async () => {
    await expectClerkError(
      roles().createOrganizationRole({ name: 'Ghost', key: 'org:ghost', permissions: ['perm_missing'] }),
      422,
      'form_param_value_invalid',
      'permissions',
    );
    await expectClerkError(
      roles().createOrganizationRole({ name: 'Ghost', key: 'org:ghost', permissions: ['org:nothing:here'] }),
      422,
      'form_param_value_invalid',
      'permissions',
    );
    const list = await roles().getOrganizationRoleList({ query: 'org:ghost' });
    expect(list.totalCount).toBe(0);
  });

  it('updates a role’s name, description and whole permission set', async () => {
    const billing = await roleByKey('org:billing');
    const updated = await roles().updateOrganizationRole({
      organizationRoleId: billing.id,
      name: 'Billing team',
      description: 'Reads and pays invoices.',
      permissions: ['org:invoices:pay', 'org:sys_memberships:read'],
    });
    expect(updated).toMatchObject({ id: billing.id, key: 'org:billing', name: 'Billing team', description: 'Reads and pays invoices.' });
    expect(keysOf(updated.permissions)).toEqual(['org:invoices:pay', 'org:sys_memberships:read']);
    expect(updated.updatedAt).toBeGreaterThanOrEqual(billing.updatedAt);

    const renamedOnly = await roles().updateOrganizationRole({ organizationRoleId: billing.id, name: 'Billing' });
    expect(keysOf(renamedOnly.permissions)).toEqual(['org:invoices:pay', 'org:sys_memberships:read']);
    expect(renamedOnly.description).toBe('Reads and pays invoices.');

    const cleared = await roles().updateOrganizationRole({ organizationRoleId: billing.id, permissions: [] });
    expect(cleared.permissions).toEqual([]);
  });

  it('re-keys a custom role but refuses a key another role holds', async () => {
    const guest = await roleByKey('org:guest');
    const rekeyed = await roles().updateOrganizationRole({ organizationRoleId: guest.id, key: 'org:visitor' });
    expect(rekeyed.key).toBe('org:visitor');
    await expectClerkError(roles().updateOrganizationRole({ organizationRoleId: guest.id, key: 'org:billing' }), 422, 'form_identifier_exists', 'key');
    await expectClerkError(roles().updateOrganizationRole({ organizationRoleId: guest.id, key: 'visitor' }), 422, 'form_param_format_invalid', 'key');
  });

  it('assigns a permission to a role, and assigning it again changes nothing', async () => {
    const billing = await roleByKey('org:billing');
    const read = (await permissions().getOrganizationPermissionList({ query: 'org:invoices:read' })).data[0];
    const assigned = await roles().assignPermissionToOrganizationRole({ organizationRoleId: billing.id, permissionId: read?.id ?? '' });
    expect(keysOf(assigned.permissions)).toEqual(['org:invoices:read']);
    const again = await roles().assignPermissionToOrganizationRole({ organizationRoleId: billing.id, permissionId: read?.id ?? '' });
    expect(keysOf(again.permissions)).toEqual(['org:invoices:read']);
    expect(again.updatedAt).toBe(assigned.updatedAt);
  });

  it('removes a permission from a role, and removing one the role lacks is a 404', async () => {
    const billing = await roleByKey('org:billing');
    const read = (await permissions().getOrganizationPermissionList({ query: 'org:invoices:read' })).data[0];
    const removed = await roles().removePermissionFromOrganizationRole({ organizationRoleId: billing.id, permissionId: read?.id ?? '' });
    expect(removed.permissions).toEqual([]);
    await expectClerkError(
      roles().removePermissionFromOrganizationRole({ organizationRoleId: billing.id, permissionId: read?.id ?? '' }),
      404,
      'resource_not_found',
    );
  });

  it('derives creator eligibility from the members and deletion permissions a role holds', async () => {
    const founder = await roles().createOrganizationRole({
      name: 'Founder',
      key: 'org:founder',
      permissions: ['org:sys_memberships:manage', 'org:sys_memberships:read'],
    });
    expect(founder.isCreatorEligible).toBe(false);
    const eligible = await roles().assignPermissionToOrganizationRole({ organizationRoleId: founder.id, permissionId: 'perm_sys_sys_profile_delete' });
    expect(eligible.isCreatorEligible).toBe(true);
    const removed = await roles().removePermissionFromOrganizationRole({ organizationRoleId: founder.id, permissionId: 'perm_sys_sys_memberships_read' });
    expect(removed.isCreatorEligible).toBe(false);
  });

  it('rejects malformed permission keys and names, naming the parameter', async () => {
    for (const key of ['invoices:read', 'org:invoices', 'org:Invoices:read', 'org:invoices:read:all', 'org:in-voices:read', `org:${'a'.repeat(130)}:read`]) {
      await expectClerkError(permissions().createOrganizationPermission({ name: 'Bad', key }), 422, 'form_param_format_invalid', 'key');
    }
    await expectClerkError(permissions().createOrganizationPermission({ name: 'Reserved', key: 'org:sys_billing:read' }), 422, 'form_param_value_invalid', 'key');
    await expectClerkError(permissions().createOrganizationPermission({ name: '  ', key: 'org:reports:read' }), 422, 'form_param_nil', 'name');
    await expectClerkError(permissions().createOrganizationPermission({ name: 'x'.repeat(101), key: 'org:reports:read' }), 422, 'form_param_exceeds_allowed_size', 'name');
    const missing = await t.request('POST', '/v1/organization_permissions', { body: { key: 'org:reports:read' } });
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({ errors: [{ code: 'form_param_missing', meta: { param_name: 'name' } }] });
    const longest = await permissions().createOrganizationPermission({ name: 'é'.repeat(100), key: 'org:reports:read' });
    expect(longest.name).toHaveLength(100);
  });

  it('rejects malformed role keys and names, naming the parameter', async () => {
    for (const key of ['billing', 'org:', 'org:Billing', 'org:billing:read', 'org:bill-ing', 'role:billing']) {
      await expectClerkError(roles().createOrganizationRole({ name: 'Bad', key }), 422, 'form_param_format_invalid', 'key');
    }
    await expectClerkError(roles().createOrganizationRole({ name: '', key: 'org:empty' }), 422, 'form_param_nil', 'name');
    const missing = await t.request('POST', '/v1/organization_roles', { body: { name: 'No key' } });
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({ errors: [{ code: 'form_param_missing', meta: { param_name: 'key' } }] });
  });

  it('refuses a permission or role key that is already taken', async () => {
    await expectClerkError(permissions().createOrganizationPermission({ name: 'Again', key: 'org:invoices:read' }), 422, 'form_identifier_exists', 'key');
    await expectClerkError(roles().createOrganizationRole({ name: 'Again', key: 'org:billing' }), 422, 'form_identifier_exists', 'key');
    await expectClerkError(roles().createOrganizationRole({ name: 'Admin again', key: 'org:admin' }), 422, 'form_identifier_exists', 'key');
    const pay = (await permissions().getOrganizationPermissionList({ query: 'org:invoices:pay' })).data[0];
    await expectClerkError(
      permissions().updateOrganizationPermission({ permissionId: pay?.id ?? '', key: 'org:invoices:read' }),
      422,
      'form_identifier_exists',
      'key',
    );
  });

  it('lets exactly one of ten simultaneous creations of one key through', async () => {
    const attempts = await Promise.allSettled(
      Array.from({ length: 10 }, () => permissions().createOrganizationPermission({ name: 'Export', key: 'org:reports:export' })),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    for (const failed of attempts.filter((a) => a.status === 'rejected')) {
      expect((failed.reason as { status?: number; errors?: { code: string }[] }).errors?.[0]?.code).toBe('form_identifier_exists');
    }
    const roleAttempts = await Promise.allSettled(
      Array.from({ length: 10 }, () => roles().createOrganizationRole({ name: 'Exporter', key: 'org:exporter', permissions: ['org:reports:export'] })),
    );
    expect(roleAttempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    const exporter = await roleByKey('org:exporter');
    const assigned = await Promise.all(
      Array.from({ length: 5 }, () => roles().assignPermissionToOrganizationRole({ organizationRoleId: exporter.id, permissionId: 'perm_sys_sys_domains_read' })),
    );
    expect(assigned.every((r) => keysOf(r.permissions).join() === 'org:reports:export,org:sys_domains:read')).toBe(true);
  });

  it('updates a custom permission’s name, description and key', async () => {
    const pay = (await permissions().getOrganizationPermissionList({ query: 'org:invoices:pay' })).data[0];
    const updated = await permissions().updateOrganizationPermission({ permissionId: pay?.id ?? '', name: 'Settle invoices', description: 'Pay them.', key: 'org:invoices:settle' });
    expect(updated).toMatchObject({ id: pay?.id, name: 'Settle invoices', description: 'Pay them.', key: 'org:invoices:settle' });
    await expectClerkError(permissions().updateOrganizationPermission({ permissionId: pay?.id ?? '', key: 'org:sys_invoices:pay' }), 422, 'form_param_value_invalid', 'key');
  });

  it('lets a system permission be renamed but never re-keyed or deleted', async () => {
    const renamed = await permissions().updateOrganizationPermission({ permissionId: 'perm_sys_sys_domains_read', name: 'See domains', description: 'Lists verified domains.' });
    expect(renamed).toMatchObject({ key: 'org:sys_domains:read', name: 'See domains', description: 'Lists verified domains.' });
    const sameKey = await permissions().updateOrganizationPermission({ permissionId: 'perm_sys_sys_domains_read', key: 'org:sys_domains:read' });
    expect(sameKey.key).toBe('org:sys_domains:read');
    await expectClerkError(
      permissions().updateOrganizationPermission({ permissionId: 'perm_sys_sys_domains_read', key: 'org:domains:read' }),
      422,
      'system_resource_not_modifiable',
    );
    await expectClerkError(permissions().deleteOrganizationPermission('perm_sys_sys_domains_read'), 422, 'system_resource_not_modifiable');
    expect((await permissions().getOrganizationPermission('perm_sys_sys_domains_read')).key).toBe('org:sys_domains:read');
  });

  it('lets the default roles’ permissions change but never their keys, and never deletes them', async () => {
    const settle = (await permissions().getOrganizationPermissionList({ query: 'org:invoices:settle' })).data[0];
    const member = await roles().assignPermissionToOrganizationRole({ organizationRoleId: 'role_member', permissionId: settle?.id ?? '' });
    expect(keysOf(member.permissions)).toEqual(['org:invoices:settle', 'org:sys_memberships:read']);
    const restored = await roles().updateOrganizationRole({ organizationRoleId: 'role_member', name: 'Member', permissions: ['org:sys_memberships:read'] });
    expect(keysOf(restored.permissions)).toEqual(['org:sys_memberships:read']);
    await expectClerkError(roles().updateOrganizationRole({ organizationRoleId: 'role_admin', key: 'org:owner' }), 422, 'system_resource_not_modifiable');
    await expectClerkError(roles().deleteOrganizationRole('role_admin'), 422, 'system_resource_not_modifiable');
    await expectClerkError(roles().deleteOrganizationRole('role_member'), 422, 'system_resource_not_modifiable');
  });

  it('refuses to delete a role a membership uses, then deletes it once unused', async () => {
    const billing = await roleByKey('org:billing');
    const { organizationId, userId } = await seedMembership(billing.key);
    await expectClerkError(roles().deleteOrganizationRole(billing.id), 422, 'organization_role_in_use');
    expect((await roles().getOrganizationRole(billing.id)).key).toBe('org:billing');
    await t.clerk.organizations.deleteOrganizationMembership({ organizationId, userId });
    const deleted = await roles().deleteOrganizationRole(billing.id);
    expect(deleted).toMatchObject({ object: 'role', id: billing.id, deleted: true });
    await expectClerkError(roles().getOrganizationRole(billing.id), 404, 'resource_not_found');
  });

  it('refuses to delete a role an invitation uses', async () => {
    const auditor = await roleByKey('org:auditor');
    const { organizationId } = await seedMembership('org:member');
    // Even a revoked invitation keeps its role: its history must still name it.
    const invitation = await t.clerk.organizations.createOrganizationInvitation({ organizationId, emailAddress: 'invitee@roles.test', role: auditor.key });
    await t.clerk.organizations.revokeOrganizationInvitation({ organizationId, invitationId: invitation.id });
    await expectClerkError(roles().deleteOrganizationRole(auditor.id), 422, 'organization_role_in_use');
  });

  it('deletes a custom permission and takes it away from every role holding it', async () => {
    const read = (await permissions().getOrganizationPermissionList({ query: 'org:invoices:read' })).data[0];
    const auditor = await roleByKey('org:auditor');
    expect(keysOf(auditor.permissions)).toContain('org:invoices:read');
    const deleted = await permissions().deleteOrganizationPermission(read?.id ?? '');
    expect(deleted).toMatchObject({ object: 'permission', id: read?.id, deleted: true });
    const after = await roles().getOrganizationRole(auditor.id);
    expect(keysOf(after.permissions)).toEqual(['org:sys_memberships:read']);
    expect(after.updatedAt).toBeGreaterThanOrEqual(auditor.updatedAt);
    await expectClerkError(permissions().getOrganizationPermission(read?.id ?? ''), 404, 'resource_not_found');
  });

  it('answers 404 resource_not_found for unknown roles and permissions', async () => {
    await expectClerkError(roles().getOrganizationRole('role_missing'), 404, 'resource_not_found');
    await expectClerkError(roles().updateOrganizationRole({ organizationRoleId: 'role_missing', name: 'x' }), 404, 'resource_not_found');
    await expectClerkError(roles().deleteOrganizationRole('role_missing'), 404, 'resource_not_found');
    await expectClerkError(roles().assignPermissionToOrganizationRole({ organizationRoleId: 'role_missing', permissionId: 'perm_sys_sys_domains_read' }), 404, 'resource_not_found');
    await expectClerkError(roles().assignPermissionToOrganizationRole({ organizationRoleId: 'role_member', permissionId: 'perm_missing' }), 404, 'resource_not_found');
    await expectClerkError(roles().removePermissionFromOrganizationRole({ organizationRoleId: 'role_member', permissionId: 'perm_missing' }), 404, 'resource_not_found');
    await expectClerkError(permissions().getOrganizationPermission('perm_missing'), 404, 'resource_not_found');
    await expectClerkError(permissions().updateOrganizationPermission({ permissionId: 'perm_missing', name: 'x' }), 404, 'resource_not_found');
    await expectClerkError(permissions().deleteOrganizationPermission('perm_missing'), 404, 'resource_not_found');
  });

  it('filters by exact id or partial name or key, orders and pages the lists', async () => {
    const byName = await roles().getOrganizationRoleList({ query: 'ADMI' });
    expect(keysOf(byName.data)).toEqual(['org:admin']);
    const byId = await permissions().getOrganizationPermissionList({ query: 'perm_sys_sys_profile_delete' });
    expect(keysOf(byId.data)).toEqual(['org:sys_profile:delete']);
    const literalUnderscore = await permissions().getOrganizationPermissionList({ query: 'sys_m', limit: 500 });
    expect(keysOf(literalUnderscore.data).sort()).toEqual(['org:sys_memberships:manage', 'org:sys_memberships:read']);
    const wildcard = await permissions().getOrganizationPermissionList({ query: '%' });
    expect(wildcard.totalCount).toBe(0);

    const all = await permissions().getOrganizationPermissionList({ orderBy: '+key', limit: 500 });
    expect(keysOf(all.data)).toEqual([...keysOf(all.data)].sort());
    const page = await permissions().getOrganizationPermissionList({ orderBy: 'key', limit: 2, offset: 2 });
    expect(page.totalCount).toBe(all.totalCount);
    expect(keysOf(page.data)).toEqual(keysOf(all.data).slice(2, 4));

    const byNameDesc = await roles().getOrganizationRoleList({ orderBy: '-name', limit: 500 });
    const names = byNameDesc.data.map((r) => r.name.toLowerCase());
    expect(names).toEqual([...names].sort().reverse());
    const newest = await roles().getOrganizationRoleList({ limit: 1 });
    expect(newest.data[0]?.key).toBe('org:exporter');
    expect(newest.totalCount).toBe(byNameDesc.totalCount);
  });

  it('rejects malformed list parameters, naming the parameter', async () => {
    await expectClerkError(roles().getOrganizationRoleList({ limit: 501 }), 422, 'form_param_format_invalid', 'limit');
    await expectClerkError(permissions().getOrganizationPermissionList({ offset: -1 }), 422, 'form_param_format_invalid', 'offset');
    // The SDK drops a zero limit and types order_by, so these go raw.
    for (const [path, param] of [
      ['/v1/organization_roles?limit=0', 'limit'],
      ['/v1/organization_permissions?limit=ten', 'limit'],
      ['/v1/organization_roles?order_by=-updated_at', 'order_by'],
    ] as const) {
      const reply = await t.request('GET', path);
      expect(reply.status).toBe(422);
      expect(reply.body).toMatchObject({ errors: [{ code: 'form_param_format_invalid', meta: { param_name: param } }] });
    }
  });
});

describe('spec conformance of every reply above', () => {
  it('matched the Clerk Backend API spec', () => {
    expect(spec.failures).toEqual([]);
    expect(spec.checked).toBeGreaterThan(80);
  });
});
