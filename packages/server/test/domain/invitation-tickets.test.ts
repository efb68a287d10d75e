import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { newId } from '../../src/crypto/ids.js';
import type { DomainContext } from '../../src/domain/context.js';
import { parseRedirectUrl, readStatus, ticketAcceptUrl } from '../../src/domain/invitations/invitation-tickets.js';
import { createInvitation, findPendingInvitationByTicket, revokeInvitation } from '../../src/domain/invitations/invitations.js';
import {
  createOrganizationInvitation,
  findPendingOrganizationInvitationByTicket,
  revokeOrganizationInvitation,
} from '../../src/domain/organizations/organization-invitations.js';
import { GatehouseError } from '../../src/errors.js';
import { domainContextFor, prepareStore } from '../../src/server.js';
import type { Store } from '../../src/store/db.js';
import { createTestStore, type TestStore } from '../support/test-store.js';

const DAY = 86_400_000;
let testStore: TestStore;
let store: Store;
let ctx: DomainContext;
let clock = Date.now();

beforeAll(async () => {
  testStore = await createTestStore();
  store = await prepareStore(testStore.options);
  const config = loadConfig({ GATEHOUSE_DATA_DIR: testStore.dataDir, GATEHOUSE_PUBLIC_URL: 'https://auth.example.com' });
  ctx = domainContextFor(config, store, { now: () => clock });
});

afterAll(async () => {
  await store?.close();
  await testStore?.dispose();
});

async function createOrganization(): Promise<string> {
  const id = newId('org', clock);
  await store.db
    .insertInto('organizations')
    .values({ id, name: 'Tickets', slug: id.toLowerCase(), image_id: null, max_allowed_memberships: 0, admin_delete_enabled: 1, public_metadata: '{}', private_metadata: '{}', created_by: null, created_at: clock, updated_at: clock })
    .execute();
  return id;
}

function ticketOf(url: string | null): string {
  return new URL(url ?? '').searchParams.get('ticket') ?? '';
}

describe('invitation tickets', () => {
  it('builds the accept link under the public URL, keeping its path prefix', () => {
    expect(ticketAcceptUrl({ publicUrl: new URL('https://auth.example.com/identity/') }, 'abc')).toBe('https://auth.example.com/identity/fapi/v1/tickets/accept?ticket=abc');
    expect(ticketAcceptUrl({ publicUrl: new URL('http://127.0.0.1:3000') }, 'abc')).toBe('http://127.0.0.1:3000/fapi/v1/tickets/accept?ticket=abc');
  });

  it('reads a pending invitation past its expiry as expired and leaves other statuses alone', () => {
    expect(readStatus('pending', 1000, 999)).toBe('pending');
    expect(readStatus('pending', 1000, 1000)).toBe('expired');
    expect(readStatus('pending', null, 1e15)).toBe('pending');
    expect(readStatus('revoked', 1000, 2000)).toBe('revoked');
  });

  it('accepts only absolute http and https redirect URLs', () => {
    expect(parseRedirectUrl('https://app.example.com/x?y=1')).toBe('https://app.example.com/x?y=1');
    expect(parseRedirectUrl(undefined)).toBeNull();
    for (const bad of ['/relative', 'javascript:alert(1)', 'data:text/html,hi', 'not a url']) {
      expect(() => parseRedirectUrl(bad)).toThrow(GatehouseError);
    }
  });

  it('finds a pending organization invitation by its ticket until it expires or is revoked', async () => {
    const orgId = await createOrganization();
    const invitation = await createOrganizationInvitation(ctx, orgId, { emailAddress: 'Holder@Tickets.test', role: 'org:admin', publicMetadata: { a: 1 } });
    const ticket = ticketOf(invitation.url);
    expect(invitation.url?.startsWith('https://auth.example.com/fapi/v1/tickets/accept?ticket=')).toBe(true);

    const found = await findPendingOrganizationInvitationByTicket(store.db, ticket, clock);
    expect(found).toMatchObject({ id: invitation.id, organizationId: orgId, emailAddress: 'holder@tickets.test', roleId: 'role_admin', publicMetadata: { a: 1 } });
    expect(await findPendingOrganizationInvitationByTicket(store.db, `${ticket}x`, clock)).toBeUndefined();
    expect(await findPendingOrganizationInvitationByTicket(store.db, '', clock)).toBeUndefined();
    expect(await findPendingOrganizationInvitationByTicket(store.db, 'x'.repeat(10_000), clock)).toBeUndefined();
    expect(await findPendingOrganizationInvitationByTicket(store.db, ticket, invitation.expiresAt)).toBeUndefined();

    await revokeOrganizationInvitation(ctx, orgId, invitation.id);
    expect(await findPendingOrganizationInvitationByTicket(store.db, ticket, clock)).toBeUndefined();
  });

  it('finds a pending instance invitation by its ticket until it is revoked', async () => {
    const invitation = await createInvitation(ctx, { emailAddress: 'instance@tickets.test', expiresInDays: 2 });
    const ticket = ticketOf(invitation.url);
    expect(await findPendingInvitationByTicket(store.db, ticket, clock)).toMatchObject({ id: invitation.id, emailAddress: 'instance@tickets.test' });
    expect(await findPendingInvitationByTicket(store.db, ticket, clock + 2 * DAY)).toBeUndefined();
    await revokeInvitation(ctx, invitation.id);
    expect(await findPendingInvitationByTicket(store.db, ticket, clock)).toBeUndefined();
  });

  it('lets the clock, not a write, turn a pending invitation into an expired one', async () => {
    const orgId = await createOrganization();
    const start = clock;
    const first = await createOrganizationInvitation(ctx, orgId, { emailAddress: 'clock@tickets.test', role: 'org:member', expiresInDays: 1 });
    await expect(createOrganizationInvitation(ctx, orgId, { emailAddress: 'clock@tickets.test', role: 'org:member' })).rejects.toMatchObject({ code: 'duplicate_record' });
    clock = start + DAY;
    const second = await createOrganizationInvitation(ctx, orgId, { emailAddress: 'clock@tickets.test', role: 'org:member' });
    expect(second.status).toBe('pending');
    const stored = await store.db.selectFrom('organization_invitations').select('status').where('id', '=', first.id).executeTakeFirstOrThrow();
    expect(stored.status).toBe('expired');
    clock = start;
  });
});
