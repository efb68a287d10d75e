import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClerkError } from '../support/clerk-errors.js';
import { recordSpecConformance, type SpecRecorder } from '../support/spec-recorder.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let spec: SpecRecorder;
const users: Record<string, string> = {};

beforeAll(async () => {
  // Private metadata is read back exactly here: no planted canary (test-server.ts).
  t = await startTestServer({}, { plantCanary: false });
  spec = recordSpecConformance(t.url);
  for (const [name, first] of [
    ['ada', 'Ada'],
    ['bob', 'Bob'],
    ['cy', 'Cy'],
    ['dee', 'Dee'],
  ] as const) {
    const user = await t.clerk.users.createUser({ emailAddress: [`${name}@orgs.test`], firstName: first, username: `${name}_user` });
    users[name] = user.id;
  }
});

afterAll(async () => {
  spec?.restore();
  await t?.close();
});

// A 1×1 transparent PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

describe('organizations through @clerk/backend', () => {
  it('creates an organization whose creator becomes its admin', async () => {
    const org = await t.clerk.organizations.createOrganization({ name: 'Acme Rockets, Inc.', createdBy: users['ada']!, publicMetadata: { tier: 'gold' } });
    expect(org.id).toMatch(/^org_/);
    expect(org.slug).toBe('acme-rockets-inc');
    expect(org.createdBy).toBe(users['ada']);
    expect(org.publicMetadata).toEqual({ tier: 'gold' });
    const members = await t.clerk.organizations.getOrganizationMembershipList({ organizationId: org.id });
    expect(members.totalCount).toBe(1);
    const [admin] = members.data;
    expect(admin?.role).toBe('org:admin');
    expect(admin?.publicUserData?.userId).toBe(users['ada']);
    expect(admin?.publicUserData?.identifier).toBe('ada@orgs.test');
    expect(admin?.permissions).toEqual(expect.arrayContaining(['org:sys_memberships:manage', 'org:sys_profile:delete']));
    expect(admin?.organization.id).toBe(org.id);
  });

  it('keeps slugs unique: a generated one gets a suffix, an explicit one is refused', async () => {
    const second = await t.clerk.organizations.createOrganization({ name: 'Acme Rockets Inc' });
    expect(second.slug).toMatch(/^acme-rockets-inc-[a-z0-9]+$/);
    await expectClerkError(t.clerk.organizations.createOrganization({ name: 'Other', slug: 'acme-rockets-inc' }), 422, 'form_identifier_exists', 'slug');
    await expectClerkError(t.clerk.organizations.createOrganization({ name: 'Bad', slug: 'Not A Slug!' }), 422, 'form_param_format_invalid', 'slug');
    await expectClerkError(t.clerk.organizations.createOrganization({ name: '' }), 422, 'form_param_format_invalid', 'name');
  });

  it('gets an organization by id or slug, with counts on request', async () => {
    const org = await t.clerk.organizations.createOrganization({ name: 'Lookup Co', slug: 'lookup-co', createdBy: users['bob']! });
    const byId = await t.clerk.organizations.getOrganization({ organizationId: org.id, includeMembersCount: true });
    expect(byId.membersCount).toBe(1);
    expect(byId.raw?.pending_invitations_count).toBe(0);
    const bySlug = await t.clerk.organizations.getOrganization({ slug: 'lookup-co' });
    expect(bySlug.id).toBe(org.id);
    await expectClerkError(t.clerk.organizations.getOrganization({ organizationId: 'org_missing' }), 404, 'resource_not_found');
  });

  it('updates name, slug and limits, and merges or replaces metadata', async () => {
    const org = await t.clerk.organizations.createOrganization({ name: 'Rename Me' });
    const updated = await t.clerk.organizations.updateOrganization(org.id, { name: 'Renamed', slug: 'renamed', maxAllowedMemberships: 7, adminDeleteEnabled: false });
    expect(updated).toMatchObject({ name: 'Renamed', slug: 'renamed', maxAllowedMemberships: 7, adminDeleteEnabled: false });
    await t.clerk.organizations.updateOrganizationMetadata(org.id, { publicMetadata: { a: 1, b: { c: 2 } }, privateMetadata: { p: true } });
    const merged = await t.clerk.organizations.updateOrganizationMetadata(org.id, { publicMetadata: { b: { c: null, d: 3 } } });
    expect(merged.publicMetadata).toEqual({ a: 1, b: { d: 3 } });
    expect(merged.privateMetadata).toEqual({ p: true });
    const replaced = await t.clerk.organizations.replaceOrganizationMetadata(org.id, { publicMetadata: { only: 1 } });
    expect(replaced.publicMetadata).toEqual({ only: 1 });
  });

  it('lists organizations with search, ordering, filters and totals', async () => {
    const list = await t.clerk.organizations.getOrganizationList({ query: 'acme', orderBy: '+name', limit: 10 });
    expect(list.totalCount).toBe(2);
    expect(list.data.map((o) => o.name)).toEqual(['Acme Rockets Inc', 'Acme Rockets, Inc.']);
    const ofAda = await t.request('GET', `/v1/organizations?user_id=${users['ada']}&include_members_count=true`);
    const page = ofAda.body as { data: { slug: string; members_count: number }[] };
    expect(page.data.map((o) => o.slug)).toEqual(['acme-rockets-inc']);
    expect(page.data[0]?.members_count).toBe(1);
    const byMembers = await t.request('GET', '/v1/organizations?order_by=-members_count&limit=1');
    expect((byMembers.body as { data: { members_count?: number }[]; total_count: number }).total_count).toBeGreaterThan(3);
  });

  it('uploads, serves and deletes a logo', async () => {
    const org = await t.clerk.organizations.createOrganization({ name: 'Logo Co' });
    const withLogo = await t.clerk.organizations.updateOrganizationLogo(org.id, { file: new Blob([PNG], { type: 'image/png' }) });
    expect(withLogo.hasImage).toBe(true);
    const image = await fetch(withLogo.imageUrl);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer()).equals(PNG)).toBe(true);
    await expectClerkError(
      t.clerk.organizations.updateOrganizationLogo(org.id, { file: new Blob(['<svg onload=alert(1)>'], { type: 'image/png' }) }),
      422,
      'form_param_format_invalid',
      'file',
    );
    const without = await t.clerk.organizations.deleteOrganizationLogo(org.id);
    expect(without.hasImage).toBe(false);
    expect((await fetch(withLogo.imageUrl)).status).toBe(404);
  });
});

describe('memberships through @clerk/backend', () => {
  let orgId: string;

  beforeAll(async () => {
    orgId = (await t.clerk.organizations.createOrganization({ name: 'Members Club', createdBy: users['ada']! })).id;
  });

  it('adds members with legacy and current role keys and lists them', async () => {
    const bob = await t.clerk.organizations.createOrganizationMembership({ organizationId: orgId, userId: users['bob']!, role: 'basic_member' });
    expect(bob.role).toBe('org:member');
    expect((bob.raw as unknown as { role_name: string }).role_name).toBe('Member');
    expect(bob.permissions).toEqual(['org:sys_memberships:read']);
    const cy = await t.clerk.organizations.createOrganizationMembership({ organizationId: orgId, userId: users['cy']!, role: 'org:admin' });
    expect(cy.role).toBe('org:admin');
    await expectClerkError(
      t.clerk.organizations.createOrganizationMembership({ organizationId: orgId, userId: users['bob']!, role: 'org:member' }),
      400,
      'already_a_member_in_organization',
    );
    await expectClerkError(
      t.clerk.organizations.createOrganizationMembership({ organizationId: orgId, userId: users['dee']!, role: 'org:nonexistent' }),
      422,
      'form_param_value_invalid',
      'role',
    );
    const list = await t.clerk.organizations.getOrganizationMembershipList({ organizationId: orgId, orderBy: '+first_name' });
    expect(list.data.map((m) => m.publicUserData?.firstName)).toEqual(['Ada', 'Bob', 'Cy']);
    const admins = await t.request('GET', `/v1/organizations/${orgId}/memberships?role=org:admin&order_by=%2Bcreated_at`);
    expect((admins.body as { data: { public_user_data: { user_id: string } }[] }).data.map((m) => m.public_user_data.user_id)).toEqual([users['ada'], users['cy']]);
    const noSuchRole = await t.request('GET', `/v1/organizations/${orgId}/memberships?role=org:nobody`);
    expect(noSuchRole.body).toMatchObject({ data: [], total_count: 0 });
    const byQuery = await t.clerk.organizations.getOrganizationMembershipList({ organizationId: orgId, query: 'bob_us' });
    expect(byQuery.data.map((m) => m.publicUserData?.userId)).toEqual([users['bob']]);
  });

  it('changes roles and metadata', async () => {
    const promoted = await t.clerk.organizations.updateOrganizationMembership({ organizationId: orgId, userId: users['bob']!, role: 'admin' });
    expect(promoted.role).toBe('org:admin');
    const demoted = await t.clerk.organizations.updateOrganizationMembership({ organizationId: orgId, userId: users['bob']!, role: 'org:member' });
    expect(demoted.role).toBe('org:member');
    const meta = await t.clerk.organizations.updateOrganizationMembershipMetadata({ organizationId: orgId, userId: users['bob']!, publicMetadata: { seat: 4 }, privateMetadata: { cost: 10 } });
    expect(meta.publicMetadata).toEqual({ seat: 4 });
    expect(meta.privateMetadata).toEqual({ cost: 10 });
  });

  it('lists memberships instance-wide, per user, and filters users by organization', async () => {
    const mine = await t.clerk.users.getOrganizationMembershipList({ userId: users['ada']! });
    expect(mine.data.map((m) => m.organization.name).sort()).toEqual(['Acme Rockets, Inc.', 'Members Club']);
    const all = await t.clerk.organizations.getInstanceOrganizationMembershipList({ limit: 100 });
    const rows = await t.server.store.db.selectFrom('organization_memberships').select('id').execute();
    expect(all.totalCount).toBe(rows.length);
    expect(all.data.map((m) => m.id).sort()).toEqual(rows.map((r) => r.id).sort());
    const inClub = await t.clerk.users.getUserList({ organizationId: [orgId], orderBy: '+created_at' });
    expect(inClub.data.map((u) => u.id)).toEqual([users['ada'], users['bob'], users['cy']]);
    expect(inClub.totalCount).toBe(3);
  });

  it('never removes or demotes the last member who can manage memberships', async () => {
    const solo = await t.clerk.organizations.createOrganization({ name: 'Solo Org', createdBy: users['dee']! });
    await expectClerkError(
      t.clerk.organizations.updateOrganizationMembership({ organizationId: solo.id, userId: users['dee']!, role: 'org:member' }),
      403,
      'organization_minimum_permissions_needed',
    );
    await expectClerkError(t.clerk.organizations.deleteOrganizationMembership({ organizationId: solo.id, userId: users['dee']! }), 403, 'organization_minimum_permissions_needed');
    await t.clerk.organizations.createOrganizationMembership({ organizationId: solo.id, userId: users['bob']!, role: 'org:admin' });
    const removed = await t.clerk.organizations.deleteOrganizationMembership({ organizationId: solo.id, userId: users['dee']! });
    expect(removed.publicUserData?.userId).toBe(users['dee']);
    await expectClerkError(t.clerk.organizations.deleteOrganizationMembership({ organizationId: solo.id, userId: users['dee']! }), 404, 'resource_not_found');
  });

  it('enforces max_allowed_memberships', async () => {
    const small = await t.clerk.organizations.createOrganization({ name: 'Tiny', createdBy: users['ada']!, maxAllowedMemberships: 2 });
    await t.clerk.organizations.createOrganizationMembership({ organizationId: small.id, userId: users['bob']!, role: 'org:member' });
    await expectClerkError(
      t.clerk.organizations.createOrganizationMembership({ organizationId: small.id, userId: users['cy']!, role: 'org:member' }),
      403,
      'organization_membership_quota_exceeded',
    );
  });

  it('deletes an organization with its memberships, and a user with theirs', async () => {
    const doomed = await t.clerk.organizations.createOrganization({ name: 'Doomed', createdBy: users['cy']! });
    await t.clerk.organizations.createOrganizationMembership({ organizationId: doomed.id, userId: users['bob']!, role: 'org:member' });
    const deleted = await t.request('DELETE', `/v1/organizations/${doomed.id}`);
    expect(deleted.body).toEqual({ object: 'organization', id: doomed.id, slug: doomed.slug, deleted: true });
    const left = await t.server.store.db.selectFrom('organization_memberships').select('id').where('organization_id', '=', doomed.id).execute();
    expect(left).toEqual([]);

    const temp = await t.clerk.users.createUser({ emailAddress: ['temp@orgs.test'] });
    await t.clerk.organizations.createOrganizationMembership({ organizationId: orgId, userId: temp.id, role: 'org:member' });
    await t.clerk.users.deleteUser(temp.id);
    const after = await t.clerk.organizations.getOrganizationMembershipList({ organizationId: orgId, limit: 100 });
    expect(after.data.map((m) => m.publicUserData?.userId)).not.toContain(temp.id);
  });
});

describe('tenant isolation', () => {
  it('does not reach a membership of organization A through organization B', async () => {
    const a = await t.clerk.organizations.createOrganization({ name: 'Tenant A', createdBy: users['ada']! });
    const b = await t.clerk.organizations.createOrganization({ name: 'Tenant B', createdBy: users['bob']! });
    await t.clerk.organizations.createOrganizationMembership({ organizationId: a.id, userId: users['cy']!, role: 'org:member' });
    await expectClerkError(t.clerk.organizations.updateOrganizationMembership({ organizationId: b.id, userId: users['cy']!, role: 'org:admin' }), 404, 'resource_not_found');
    await expectClerkError(t.clerk.organizations.deleteOrganizationMembership({ organizationId: b.id, userId: users['cy']! }), 404, 'resource_not_found');
    await expectClerkError(
      t.clerk.organizations.updateOrganizationMembershipMetadata({ organizationId: b.id, userId: users['cy']!, publicMetadata: { x: 1 } }),
      404,
      'resource_not_found',
    );
    const stillMember = await t.clerk.organizations.getOrganizationMembershipList({ organizationId: a.id, userId: [users['cy']!] });
    expect(stillMember.data[0]?.role).toBe('org:member');
  });
});

describe('spec conformance of every reply above', () => {
  it('adds, lists, changes and deletes verified domains through the SDK; a verified domain belongs to one organization', async () => {
    // @clerk/backend 2 has no class for domains: it hands back the JSON as the API sent it.
    interface DomainJSON {
      id: string;
      name: string;
      organization_id: string;
      enrollment_mode: string;
      verification: { status: string } | null;
    }
    const org = await t.clerk.organizations.createOrganization({ name: 'Domain Holders', createdBy: users['ada']! });
    const other = await t.clerk.organizations.createOrganization({ name: 'Domain Rivals', createdBy: users['bob']! });
    const domain = (await t.clerk.organizations.createOrganizationDomain({ organizationId: org.id, name: 'holders.example', enrollmentMode: 'automatic_suggestion' })) as unknown as DomainJSON;
    expect(domain).toMatchObject({ name: 'holders.example', organization_id: org.id, enrollment_mode: 'automatic_suggestion', verification: { status: 'verified' } });
    await expectClerkError(t.clerk.organizations.createOrganizationDomain({ organizationId: other.id, name: 'holders.example', enrollmentMode: 'manual_invitation' }), 422, 'form_identifier_exists');
    // Unverified, another organization may hold the same name.
    const unverified = (await t.clerk.organizations.createOrganizationDomain({ organizationId: other.id, name: 'holders.example', enrollmentMode: 'manual_invitation', verified: false })) as unknown as DomainJSON;
    expect(unverified.verification).toBeNull();
    const list = await t.clerk.organizations.getOrganizationDomainList({ organizationId: org.id });
    expect((list.data as unknown as DomainJSON[]).map((d) => d.name)).toEqual(['holders.example']);
    const changed = (await t.clerk.organizations.updateOrganizationDomain({ organizationId: org.id, domainId: domain.id, enrollmentMode: 'automatic_invitation' })) as unknown as DomainJSON;
    expect(changed.enrollment_mode).toBe('automatic_invitation');
    const deleted = await t.clerk.organizations.deleteOrganizationDomain({ organizationId: org.id, domainId: domain.id });
    expect(deleted).toMatchObject({ id: domain.id, deleted: true });
    expect((await t.clerk.organizations.getOrganizationDomainList({ organizationId: org.id })).totalCount).toBe(0);
  });

  it('matched the Clerk Backend API spec', () => {
    expect(spec.failures).toEqual([]);
    expect(spec.checked).toBeGreaterThan(40);
  });
});
