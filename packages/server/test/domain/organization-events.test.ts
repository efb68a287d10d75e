/**
 * Every organization, membership, invitation, role and permission change appends its events in
 * the same transaction: the right types in order, payloads in Clerk's webhook shapes (checked
 * against the webhooks spec), the secret key as actor, diffs on updates, nothing for a failed or
 * empty change, and never an invitation ticket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordMembershipsRemovedWithUser } from '../../src/domain/organizations/memberships.js';
import { domainContextFor } from '../../src/server.js';
import { expectClerkError } from '../support/clerk-errors.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { webhookDataErrors } from '../support/webhook-spec.js';

const WEBHOOK_PREFIXES = ['organization.', 'organizationMembership.', 'organizationInvitation.', 'role.', 'permission.'];

// ---------------------------------------------------------------------------
// Reading the event log
// ---------------------------------------------------------------------------

type Json = Record<string, unknown>;

interface StoredEvent {
  seq: number;
  type: string;
  data: Json;
  diff: Json | null;
  actor_type: string;
  actor_id: string | null;
  subject_user_id: string | null;
  subject_organization_id: string | null;
}

let t: TestServer;
let keyId: string;
const users: Record<string, string> = {};
let mark = 0;

beforeAll(async () => {
  t = await startTestServer();
  keyId = t.server.firstSecretKey?.id ?? '';
  // The instance's bootstrap (its first secret key) is the system's doing, not the test key's.
  mark = (await readEvents(0)).at(-1)?.seq ?? 0;
  for (const name of ['ada', 'bob', 'cy']) {
    const user = await t.clerk.users.createUser({ emailAddress: [`${name}@events.test`], firstName: name });
    users[name] = user.id;
  }
});

afterAll(async () => {
  await t?.close();
});

async function readEvents(afterSeq: number): Promise<StoredEvent[]> {
  const rows = await t.server.store.db.selectFrom('events').selectAll().where('seq', '>', afterSeq).orderBy('seq').execute();
  return rows.map((r) => ({
    seq: Number(r.seq),
    type: r.type,
    data: JSON.parse(r.data) as Json,
    diff: r.diff === null ? null : (JSON.parse(r.diff) as Json),
    actor_type: r.actor_type,
    actor_id: r.actor_id,
    subject_user_id: r.subject_user_id,
    subject_organization_id: r.subject_organization_id,
  }));
}

/**
 * The events appended since the last call, each checked: made by the test's secret key, and, for
 * a Clerk webhook type, its `data` valid against the webhooks spec.
 */
async function newEvents(): Promise<StoredEvent[]> {
  const events = await readEvents(mark);
  mark = events.at(-1)?.seq ?? mark;
  for (const event of events) {
    expect({ type: event.type, actor: [event.actor_type, event.actor_id] }).toEqual({ type: event.type, actor: ['secret_key', keyId] });
    if (!WEBHOOK_PREFIXES.some((p) => event.type.startsWith(p))) continue;
    const problems = webhookDataErrors(event.type, event.data);
    if (problems.length > 0) throw new Error(`${event.type} data does not match the webhooks spec: ${problems.join('; ')}\n${JSON.stringify(event.data)}`);
  }
  return events;
}

const typesOf = (events: readonly StoredEvent[]) => events.map((e) => e.type);

function only(events: readonly StoredEvent[], type: string): StoredEvent {
  expect(typesOf(events)).toEqual([type]);
  return events[0] as StoredEvent;
}

async function skipToNow(): Promise<void> {
  await newEvents();
}

// A 1×1 transparent PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

// ---------------------------------------------------------------------------

describe('the webhooks spec check', () => {
  it('rejects payloads Clerk would not send, so a passing event means something', () => {
    expect(webhookDataErrors('organization.created', { object: 'organization', id: 'org_1' })).not.toEqual([]);
    expect(webhookDataErrors('role.deleted', { object: 'role', id: 'role_1', deleted: true, extra: 1 })).not.toEqual([]);
    const invitation = {
      object: 'organization_invitation',
      id: 'orginv_1',
      email_address: 'a@b.test',
      role: 'org:member',
      role_name: 'Member',
      inviter_id: null,
      public_inviter_data: null,
      public_metadata: {},
      url: null,
      expires_at: 1,
      created_at: 1,
      updated_at: 1,
    };
    expect(webhookDataErrors('organizationInvitation.created', invitation)).toEqual([]);
    expect(webhookDataErrors('organizationInvitation.created', { ...invitation, ticket: 'x' })).not.toEqual([]);
  });
});

describe('organization events', () => {
  let orgId = '';

  it('creating an organization with a creator records the organization, then the creator joining', async () => {
    await skipToNow();
    const org = await t.clerk.organizations.createOrganization({ name: 'Old', slug: 'events-co', createdBy: users['ada']! });
    orgId = org.id;
    const events = await newEvents();
    expect(typesOf(events)).toEqual(['organization.created', 'organizationMembership.created']);
    const [created, joined] = events as [StoredEvent, StoredEvent];
    expect(created.data).toMatchObject({ object: 'organization', id: org.id, name: 'Old', slug: 'events-co', created_by: users['ada'], members_count: 1 });
    expect(created).toMatchObject({ subject_organization_id: org.id, subject_user_id: null, diff: null });
    expect(joined.data).toMatchObject({ object: 'organization_membership', role: 'org:admin', organization: { id: org.id }, public_user_data: { user_id: users['ada'] } });
    expect(joined).toMatchObject({ subject_organization_id: org.id, subject_user_id: users['ada'] });
  });

  it('creating one without a creator records the organization only', async () => {
    await t.clerk.organizations.createOrganization({ name: 'Loner' });
    expect(only(await newEvents(), 'organization.created').data).toMatchObject({ members_count: 0 });
  });

  it('updates record organization.updated with a field-level diff; an update changing nothing records nothing', async () => {
    await t.clerk.organizations.updateOrganization(orgId, { name: 'New' });
    const renamed = only(await newEvents(), 'organization.updated');
    expect(renamed.diff).toEqual({ name: ['Old', 'New'] });
    expect(renamed.data).toMatchObject({ name: 'New' });

    await t.clerk.organizations.updateOrganization(orgId, { name: 'New' });
    expect(await newEvents()).toEqual([]);

    await t.clerk.organizations.updateOrganizationMetadata(orgId, { publicMetadata: { tier: 'gold' } });
    expect(only(await newEvents(), 'organization.updated').diff).toEqual({ public_metadata: [{}, { tier: 'gold' }] });
  });

  it('setting and deleting the logo record organization.updated', async () => {
    const withLogo = await t.clerk.organizations.updateOrganizationLogo(orgId, { file: new Blob([PNG], { type: 'image/png' }) });
    const set = only(await newEvents(), 'organization.updated');
    expect(set.diff).toEqual({ image_url: ['', withLogo.imageUrl], has_image: [false, true] });

    await t.clerk.organizations.deleteOrganizationLogo(orgId);
    expect(only(await newEvents(), 'organization.updated').diff).toEqual({ image_url: [withLogo.imageUrl, ''], has_image: [true, false] });
    await t.clerk.organizations.deleteOrganizationLogo(orgId);
    expect(await newEvents()).toEqual([]);
  });

  it('a failed update records nothing', async () => {
    await t.clerk.organizations.createOrganization({ name: 'Taken', slug: 'taken-slug' });
    await skipToNow();
    await expectClerkError(t.clerk.organizations.updateOrganization(orgId, { slug: 'taken-slug' }), 422, 'form_identifier_exists', 'slug');
    expect(await newEvents()).toEqual([]);
  });
});

describe('membership events', () => {
  let orgId = '';

  beforeAll(async () => {
    orgId = (await t.clerk.organizations.createOrganization({ name: 'Members Co', createdBy: users['ada']!, maxAllowedMemberships: 2 })).id;
  });

  it('records created, updated (role, then metadata, with diffs) and deleted as the membership was', async () => {
    await skipToNow();
    await t.clerk.organizations.createOrganizationMembership({ organizationId: orgId, userId: users['bob']!, role: 'org:member' });
    const created = only(await newEvents(), 'organizationMembership.created');
    expect(created.data).toMatchObject({ object: 'organization_membership', role: 'org:member', public_user_data: { user_id: users['bob'] } });
    expect(created).toMatchObject({ subject_organization_id: orgId, subject_user_id: users['bob'] });

    await t.clerk.organizations.updateOrganizationMembership({ organizationId: orgId, userId: users['bob']!, role: 'org:admin' });
    const promoted = only(await newEvents(), 'organizationMembership.updated');
    expect(promoted.diff).toMatchObject({ role: ['org:member', 'org:admin'], role_name: ['Member', 'Admin'] });
    expect(Object.keys(promoted.diff ?? {}).sort()).toEqual(['permissions', 'role', 'role_name']);

    await t.clerk.organizations.updateOrganizationMembership({ organizationId: orgId, userId: users['bob']!, role: 'org:admin' });
    expect(await newEvents()).toEqual([]);

    await t.clerk.organizations.updateOrganizationMembershipMetadata({ organizationId: orgId, userId: users['bob']!, privateMetadata: { seat: 7 } });
    expect(only(await newEvents(), 'organizationMembership.updated').diff).toEqual({ private_metadata: [{}, { seat: 7 }] });

    await t.clerk.organizations.deleteOrganizationMembership({ organizationId: orgId, userId: users['bob']! });
    const deleted = only(await newEvents(), 'organizationMembership.deleted');
    expect(deleted.data).toMatchObject({ role: 'org:admin', private_metadata: { seat: 7 }, public_user_data: { user_id: users['bob'] } });
    expect(deleted).toMatchObject({ subject_organization_id: orgId, subject_user_id: users['bob'] });
  });

  it('a membership refused for the quota records nothing', async () => {
    await t.clerk.organizations.createOrganizationMembership({ organizationId: orgId, userId: users['bob']!, role: 'org:member' });
    await skipToNow();
    await expectClerkError(
      t.clerk.organizations.createOrganizationMembership({ organizationId: orgId, userId: users['cy']!, role: 'org:member' }),
      403,
      'organization_membership_quota_exceeded',
    );
    await expectClerkError(
      t.clerk.organizations.createOrganizationInvitation({ organizationId: orgId, emailAddress: 'over@events.test', role: 'org:member' }),
      403,
      'organization_membership_quota_exceeded',
    );
    expect(await newEvents()).toEqual([]);
  });

  it('deleting the organization records each membership removed, then the DeletedObject', async () => {
    await skipToNow();
    const org = await t.clerk.organizations.getOrganization({ organizationId: orgId });
    await t.clerk.organizations.deleteOrganization(orgId);
    const events = await newEvents();
    expect(typesOf(events)).toEqual(['organizationMembership.deleted', 'organizationMembership.deleted', 'organization.deleted']);
    expect(events.slice(0, 2).map((e) => e.subject_user_id)).toEqual([users['ada'], users['bob']]);
    expect(events[2]?.data).toEqual({ object: 'organization', id: orgId, slug: org.slug, deleted: true });
    expect(events[2]?.subject_organization_id).toBe(orgId);
  });

  it('recordMembershipsRemovedWithUser records each membership a deleted user loses', async () => {
    const doomed = await t.clerk.users.createUser({ emailAddress: ['doomed@events.test'] });
    const a = await t.clerk.organizations.createOrganization({ name: 'A', createdBy: doomed.id });
    const b = await t.clerk.organizations.createOrganization({ name: 'B', createdBy: users['ada']! });
    await t.clerk.organizations.createOrganizationMembership({ organizationId: b.id, userId: doomed.id, role: 'org:member' });
    const before = (await readEvents(0)).at(-1)?.seq ?? 0;
    // What delete-user does: record the memberships, then delete the row (the cascade takes them).
    const ctx = domainContextFor(t.config, t.server.store);
    await t.server.store.transaction(async (trx) => {
      await recordMembershipsRemovedWithUser(ctx, trx, doomed.id);
      await trx.deleteFrom('users').where('id', '=', doomed.id).execute();
    });
    const events = await readEvents(before);
    expect(typesOf(events)).toEqual(['organizationMembership.deleted', 'organizationMembership.deleted']);
    expect(events.map((e) => [e.subject_organization_id, e.subject_user_id])).toEqual([
      [a.id, doomed.id],
      [b.id, doomed.id],
    ]);
    for (const event of events) expect(webhookDataErrors(event.type, event.data)).toEqual([]);
    mark = events.at(-1)?.seq ?? mark;
  });
});

describe('invitation events', () => {
  let orgId = '';

  beforeAll(async () => {
    orgId = (await t.clerk.organizations.createOrganization({ name: 'Invites Co', createdBy: users['ada']! })).id;
  });

  it('records organizationInvitation.created for each of a bulk, and .revoked; never the ticket', async () => {
    await skipToNow();
    const invitations = await t.clerk.organizations.createOrganizationInvitationBulk(orgId, [
      { emailAddress: 'one@events.test', role: 'org:member', inviterUserId: users['ada']! },
      { emailAddress: 'two@events.test', role: 'org:admin' },
    ]);
    const events = await newEvents();
    // Each invitee is mailed the accept link in the same transaction.
    expect(typesOf(events)).toEqual(['organizationInvitation.created', 'organizationInvitation.created', 'email.created', 'email.created']);
    const created = events.filter((e) => e.type === 'organizationInvitation.created');
    expect(created.map((e) => e.data['id'])).toEqual(invitations.data.map((i) => i.id));
    expect(created[0]?.data).toMatchObject({ object: 'organization_invitation', status: 'pending', url: null, inviter_id: users['ada'], organization_id: orgId });
    expect(created.map((e) => e.subject_organization_id)).toEqual([orgId, orgId]);

    const first = invitations.data[0];
    await t.clerk.organizations.revokeOrganizationInvitation({ organizationId: orgId, invitationId: first?.id ?? '' });
    expect(only(await newEvents(), 'organizationInvitation.revoked').data).toMatchObject({ id: first?.id, status: 'revoked', url: null });

    await expectNoTicketStored(invitations.data.map((i) => i.url));
  });

  it('records audit-only invitation.created and invitation.revoked for instance invitations; never the ticket', async () => {
    await skipToNow();
    const invitation = await t.clerk.invitations.createInvitation({ emailAddress: 'instance@events.test', notify: false });
    const created = only(await newEvents(), 'invitation.created');
    expect(created.data).toMatchObject({ object: 'invitation', id: invitation.id, status: 'pending' });
    expect(created.data['url']).toBeUndefined();
    await t.clerk.invitations.revokeInvitation(invitation.id);
    expect(only(await newEvents(), 'invitation.revoked').data).toMatchObject({ id: invitation.id, status: 'revoked', revoked: true });
    await expectNoTicketStored([invitation.url]);
  });

  it('a refused invitation records nothing', async () => {
    await t.clerk.organizations.createOrganizationInvitation({ organizationId: orgId, emailAddress: 'dup@events.test', role: 'org:member' });
    await skipToNow();
    await expectClerkError(t.clerk.organizations.createOrganizationInvitation({ organizationId: orgId, emailAddress: 'dup@events.test', role: 'org:member' }), 422, 'duplicate_record');
    expect(await newEvents()).toEqual([]);
  });
});

/** No part of the event log, in any column, contains any of the tickets these accept links carry. */
async function expectNoTicketStored(urls: readonly (string | null | undefined)[]): Promise<void> {
  const tickets = urls.map((url) => new URL(url ?? 'http://x/').searchParams.get('ticket'));
  expect(tickets.every((ticket) => typeof ticket === 'string' && ticket.length > 20)).toBe(true);
  const everything = JSON.stringify(await t.server.store.db.selectFrom('events').selectAll().execute());
  for (const ticket of tickets) expect(everything).not.toContain(ticket);
  expect(everything).not.toContain('/fapi/v1/tickets/accept');
}

describe('role and permission events', () => {
  const roles = () => t.clerk.organizationRoles;
  const permissions = () => t.clerk.organizationPermissions;

  it('records permission.created, .updated with a diff, and nothing for an update changing nothing', async () => {
    await skipToNow();
    const perm = await permissions().createOrganizationPermission({ name: 'Read reports', key: 'org:reports:read' });
    expect(only(await newEvents(), 'permission.created').data).toMatchObject({ object: 'permission', id: perm.id, key: 'org:reports:read', type: 'user' });
    await permissions().updateOrganizationPermission({ permissionId: perm.id, name: 'See reports' });
    expect(only(await newEvents(), 'permission.updated').diff).toEqual({ name: ['Read reports', 'See reports'] });
    await permissions().updateOrganizationPermission({ permissionId: perm.id, name: 'See reports' });
    expect(await newEvents()).toEqual([]);
  });

  it('records role.created, role.updated for edits and permission grants and removals, role.deleted', async () => {
    const perm = await permissions().createOrganizationPermission({ name: 'Write reports', key: 'org:reports:write' });
    await skipToNow();
    const role = await roles().createOrganizationRole({ name: 'Analyst', key: 'org:analyst', permissions: ['org:reports:read'] });
    const created = only(await newEvents(), 'role.created');
    expect(created.data).toMatchObject({ object: 'role', id: role.id, key: 'org:analyst', permissions: [{ object: 'permission', key: 'org:reports:read' }] });

    await roles().updateOrganizationRole({ organizationRoleId: role.id, name: 'Senior analyst' });
    expect(only(await newEvents(), 'role.updated').diff).toEqual({ name: ['Analyst', 'Senior analyst'] });

    await roles().assignPermissionToOrganizationRole({ organizationRoleId: role.id, permissionId: perm.id });
    const granted = only(await newEvents(), 'role.updated');
    expect(Object.keys(granted.diff ?? {})).toEqual(['permissions']);
    expect((granted.data['permissions'] as Json[]).map((p) => p['key'])).toEqual(['org:reports:read', 'org:reports:write']);
    await roles().assignPermissionToOrganizationRole({ organizationRoleId: role.id, permissionId: perm.id });
    expect(await newEvents()).toEqual([]);

    await roles().removePermissionFromOrganizationRole({ organizationRoleId: role.id, permissionId: perm.id });
    expect((only(await newEvents(), 'role.updated').data['permissions'] as Json[]).map((p) => p['key'])).toEqual(['org:reports:read']);

    await expectClerkError(roles().removePermissionFromOrganizationRole({ organizationRoleId: role.id, permissionId: perm.id }), 404, 'resource_not_found');
    expect(await newEvents()).toEqual([]);

    await roles().deleteOrganizationRole(role.id);
    expect(only(await newEvents(), 'role.deleted').data).toEqual({ object: 'role', id: role.id, deleted: true });
  });

  it('deleting a permission records role.updated for each role that held it, then permission.deleted', async () => {
    const perm = await permissions().createOrganizationPermission({ name: 'Export reports', key: 'org:reports:export' });
    const role = await roles().createOrganizationRole({ name: 'Exporter', key: 'org:exporter', permissions: [perm.id, 'org:reports:read'] });
    await skipToNow();
    await permissions().deleteOrganizationPermission(perm.id);
    const events = await newEvents();
    expect(typesOf(events)).toEqual(['role.updated', 'permission.deleted']);
    expect(events[0]?.data).toMatchObject({ id: role.id });
    expect((events[0]?.data['permissions'] as Json[]).map((p) => p['key'])).toEqual(['org:reports:read']);
    expect(Object.keys(events[0]?.diff ?? {})).toEqual(['permissions']);
    expect(events[1]?.data).toEqual({ object: 'permission', id: perm.id, deleted: true });
  });

  it('a refused role deletion records nothing', async () => {
    await skipToNow();
    await expectClerkError(roles().deleteOrganizationRole('role_admin'), 422, 'system_resource_not_modifiable');
    expect(await newEvents()).toEqual([]);
  });
});
