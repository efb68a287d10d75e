/** The orgs bench's request mixes, each with the answer the in-memory model says is right. */
import type { Config } from '../../../packages/server/src/config.js';
import { listOrganizationMemberships, listUserMemberships, type MembershipPage } from '../../../packages/server/src/domain/organizations/memberships.js';
import { listOrganizations } from '../../../packages/server/src/domain/organizations/organizations.js';
import { domainContextFor } from '../../../packages/server/src/server.js';
import type { Store } from '../../../packages/server/src/store/db.js';
import { isRecord } from '../preflight.js';
import type { ReadMix } from '../read-rows.js';
import { seededRandom, type SeedUser } from '../user-data.js';
import { BIG_ORG_MEMBERS, HUB_ORGS, type OrgWorld } from './world.js';

const TARGET = { p95Ms: 20, name: 'p95 < 20 ms' };

type DomainCall =
  | { kind: 'org-memberships'; orgId: string; page: MembershipPage }
  | { kind: 'user-memberships'; userId: string; page: MembershipPage }
  | { kind: 'user-orgs'; userId: string; limit: number; offset: number };

/** Which field of each listed item the expectation compares. */
type KeyField = 'member_user_id' | 'member_org_id' | 'member_first_name' | 'org_id';

export interface Item {
  path: string;
  call: DomainCall;
  offset: number;
  expect: { total: number; field: KeyField; keys: (string | null)[] };
}

export type Scenario = ReadMix<Item>;

const byCreatedDesc = (a: { createdAt: number }, b: { createdAt: number }) => b.createdAt - a.createdAt;

export function buildScenarios(world: OrgWorld, users: readonly SeedUser[]): Scenario[] {
  const random = seededRandom(13);
  const itemsPerScenario = 1000;
  const offsetUpTo = (max: number) => Math.floor(random() * (max + 1));
  const firstNames = new Map(users.map((u) => [u.id, u.firstName]));
  const bigNewest = [...world.bigMembers].sort(byCreatedDesc);
  // Only names are compared for +first_name: ties are broken by membership id, whose order
  // depends on the collation (PostgreSQL's database default may not be byte order). The names
  // themselves are all capitalised ASCII letters, which every collation orders the same way.
  const byFirstName = [...world.bigMembers].map((m) => firstNames.get(m.userId) ?? null).sort((a, b) => ((a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0));
  const hubNewest = [...world.hubMemberships].sort(byCreatedDesc);
  const hubOrgsNewest = [...world.hubOrgs].sort(byCreatedDesc);
  const page = (field: MembershipPage['orderBy']['field'], direction: 'asc' | 'desc', offset: number): MembershipPage => ({ orderBy: { field, direction }, limit: 10, offset });
  const big = world.bigOrg.id;
  const hub = world.hub.id;

  const bigMembersAt = (offset: number, withOffset: boolean): Item => ({
    path: `/v1/organizations/${big}/memberships?limit=10${withOffset ? `&offset=${offset}` : ''}`,
    call: { kind: 'org-memberships', orgId: big, page: page('created_at', 'desc', offset) },
    offset,
    expect: { total: bigNewest.length, field: 'member_user_id', keys: bigNewest.slice(offset, offset + 10).map((m) => m.userId) },
  });
  const firstPage = [bigMembersAt(0, false)];
  const deepPages = Array.from({ length: itemsPerScenario }, () => bigMembersAt(offsetUpTo(BIG_ORG_MEMBERS - 10), true));
  const byName = Array.from({ length: itemsPerScenario }, (): Item => {
    const offset = offsetUpTo(BIG_ORG_MEMBERS - 10);
    return {
      path: `/v1/organizations/${big}/memberships?limit=10&offset=${offset}&order_by=%2Bfirst_name`,
      call: { kind: 'org-memberships', orgId: big, page: page('first_name', 'asc', offset) },
      offset,
      expect: { total: byFirstName.length, field: 'member_first_name', keys: byFirstName.slice(offset, offset + 10) },
    };
  });
  const hubPages = Array.from({ length: itemsPerScenario }, (): Item => {
    const offset = offsetUpTo(HUB_ORGS - 10);
    return {
      path: `/v1/users/${hub}/organization_memberships?limit=10&offset=${offset}`,
      call: { kind: 'user-memberships', userId: hub, page: page('created_at', 'desc', offset) },
      offset,
      expect: { total: hubNewest.length, field: 'member_org_id', keys: hubNewest.slice(offset, offset + 10).map((m) => m.orgId) },
    };
  });
  const hubOrgList: Item[] = [
    {
      path: `/v1/organizations?user_id=${hub}&limit=10`,
      call: { kind: 'user-orgs', userId: hub, limit: 10, offset: 0 },
      offset: 0,
      expect: { total: hubOrgsNewest.length, field: 'org_id', keys: hubOrgsNewest.slice(0, 10).map((o) => o.id) },
    },
  ];
  const n = (count: number) => count.toLocaleString('en-US');
  return [
    // Latency targets are judged one request at a time (what a caller waits for); the same
    // requests at 10 connections show throughput and the queueing a saturated process adds.
    { key: 'org_members_first_page', label: `(a) org members (${n(BIG_ORG_MEMBERS)}) limit=10`, items: firstPage, connections: 1, target: TARGET },
    { key: 'org_members_first_page_10conn', label: `(a) org members (${n(BIG_ORG_MEMBERS)}) limit=10`, items: firstPage },
    { key: 'org_members_offset', label: `(a) org members offset ≤ ${n(BIG_ORG_MEMBERS - 10)}`, items: deepPages, connections: 1, target: TARGET },
    { key: 'org_members_offset_10conn', label: `(a) org members offset ≤ ${n(BIG_ORG_MEMBERS - 10)}`, items: deepPages },
    { key: 'org_members_first_name', label: `(a) org members +first_name offset ≤ ${n(BIG_ORG_MEMBERS - 10)}`, items: byName },
    { key: 'user_memberships', label: `(b) user's memberships (${n(HUB_ORGS)}) offset ≤ ${n(HUB_ORGS - 10)}`, items: hubPages, connections: 1, target: TARGET },
    { key: 'user_memberships_10conn', label: `(b) user's memberships (${n(HUB_ORGS)}) offset ≤ ${n(HUB_ORGS - 10)}`, items: hubPages },
    { key: 'orgs_of_user', label: `(c) organizations?user_id= (${n(HUB_ORGS)}) limit=10`, items: hubOrgList },
  ];
}

function keyOf(item: unknown, field: KeyField): unknown {
  if (!isRecord(item)) return undefined;
  if (field === 'org_id') return item.id;
  if (field === 'member_org_id') return isRecord(item.organization) ? item.organization.id : undefined;
  const user = item.public_user_data;
  if (!isRecord(user)) return undefined;
  return field === 'member_user_id' ? user.user_id : user.first_name;
}

/** The deepest offset of a scenario: its most expensive request, used for plans too. */
export function deepest(scenario: Scenario): Item {
  const item = scenario.items.reduce<Item | undefined>((worst, i) => (worst === undefined || i.offset > worst.offset ? i : worst), undefined);
  if (!item) throw new Error(`scenario ${scenario.key} has no requests`);
  return item;
}

/** The first and last few requests of a mix, and its deepest, to check before it is timed. */
export function preflightSample(scenario: Scenario): Set<Item> {
  return new Set([...scenario.items.slice(0, 3), ...scenario.items.slice(-3), deepest(scenario)]);
}

/** What is wrong with a 200 reply to `item`, if anything. */
export function wrongAnswer(item: Item, body: unknown): string | undefined {
  if (!isRecord(body) || !Array.isArray(body.data)) return 'is not a paginated list';
  if (body.total_count !== item.expect.total) return `should have total_count ${item.expect.total}`;
  const got = body.data.map((d: unknown) => keyOf(d, item.expect.field));
  if (JSON.stringify(got) !== JSON.stringify(item.expect.keys)) return `should list ${item.expect.field} ${JSON.stringify(item.expect.keys)}, listed ${JSON.stringify(got)}`;
  return undefined;
}

/** The request's call through the domain layer, for in-process timing and query plans. */
export function runCall(store: Store, config: Config, call: DomainCall): Promise<unknown> {
  const ctx = domainContextFor(config, store);
  switch (call.kind) {
    case 'org-memberships':
      // The route passes the (here empty) user filter; an empty one adds no clause.
      return listOrganizationMemberships(ctx, call.orgId, { users: {} }, call.page);
    case 'user-memberships':
      return listUserMemberships(ctx, call.userId, call.page);
    case 'user-orgs':
      return listOrganizations(ctx, {
        userIds: [call.userId],
        orderBy: { field: 'created_at', direction: 'desc' },
        limit: call.limit,
        offset: call.offset,
        includeMembersCount: false,
      });
  }
}
