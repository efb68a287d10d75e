/** The users bench's read request mixes, each with the answer the in-memory model of the data says is right. */
import type { Config } from '../../../packages/server/src/config.js';
import { countUsers, listUsers, type UserListPaging, type UserListQuery } from '../../../packages/server/src/domain/users/list-users.js';
import { domainContextFor } from '../../../packages/server/src/server.js';
import type { Store } from '../../../packages/server/src/store/db.js';
import { isRecord } from '../preflight.js';
import type { ReadMix } from '../read-rows.js';
import { pick, seededRandom, type SeedUser } from '../user-data.js';

type DomainCall = { kind: 'list'; query: UserListQuery; paging: UserListPaging } | { kind: 'count'; query: UserListQuery };
type Expectation = { kind: 'list'; length: number; firstId: string | undefined } | { kind: 'count'; total: number };

export interface Item {
  path: string;
  call: DomainCall;
  expect: Expectation;
}

export type Scenario = ReadMix<Item>;

interface Fragment {
  text: string;
  matches: number;
  /** The newest matching user: first in the default `-created_at` order. */
  newestId: string | undefined;
}

const DEFAULT_PAGING: UserListPaging = { orderBy: { field: 'created_at', direction: 'desc' }, limit: 10, offset: 0 };
const LOOKUP_TARGET = { p95Ms: 5, name: 'lookup by email p95 < 5 ms' };
const SEARCH_TARGET = { p95Ms: 50, name: 'query search p95 < 50 ms' };

function fragmentOf(users: readonly SeedUser[], text: string): Fragment {
  let matches = 0;
  let newestId: string | undefined;
  // Users are generated oldest first, so the last hit is the newest.
  for (const u of users) {
    if (u.searchText.includes(text)) {
      matches++;
      newestId = u.id;
    }
  }
  return { text, matches, newestId };
}

/**
 * Search terms of 3–6 characters cut from real data: "broad" ones from names (each matches
 * hundreds or thousands of users), "narrow" ones from email addresses around the digits
 * (each matches one to three users).
 */
function chooseFragments(users: readonly SeedUser[], random: () => number): { broad: Fragment[]; narrow: Fragment[] } {
  const broad = new Map<string, Fragment>();
  const narrow = new Map<string, Fragment>();
  const broadFloor = Math.max(50, Math.floor(users.length * 0.002));
  for (let attempt = 0; attempt < 400 && broad.size < 20; attempt++) {
    const u = pick(users, random);
    const name = (random() < 0.5 ? u.firstName : u.lastName).toLowerCase();
    const length = 3 + Math.floor(random() * 3);
    if (name.length < length) continue;
    const start = Math.floor(random() * (name.length - length + 1));
    const text = name.slice(start, start + length);
    if (!/^[a-z]+$/.test(text) || broad.has(text)) continue;
    const f = fragmentOf(users, text);
    if (f.matches >= broadFloor) broad.set(text, f);
  }
  for (let attempt = 0; attempt < 2000 && narrow.size < 20; attempt++) {
    const email = pick(users, random).email;
    const start = Math.floor(random() * Math.max(1, email.length - 5));
    const text = email.slice(start, start + 6);
    if (text.length !== 6 || !/\d/.test(text) || !/^[a-z0-9.@_-]+$/.test(text) || narrow.has(text)) continue;
    const f = fragmentOf(users, text);
    if (f.matches >= 1 && f.matches <= 3) narrow.set(text, f);
  }
  if (broad.size === 0 || narrow.size === 0) throw new Error('could not find search fragments in the generated data');
  return { broad: [...broad.values()], narrow: [...narrow.values()] };
}

function compareBy(key: (u: SeedUser) => string): (a: SeedUser, b: SeedUser) => number {
  // Byte order, which is what SQLite's BINARY and PostgreSQL's C collations compare by for ASCII.
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return (a, b) => cmp(key(a), key(b)) || cmp(a.id, b.id);
}

export function buildScenarios(users: readonly SeedUser[]): Scenario[] {
  const random = seededRandom(7);
  const { broad, narrow } = chooseFragments(users, random);
  const itemsPerScenario = 1000;
  const many = <T>(make: () => T): T[] => Array.from({ length: itemsPerScenario }, make);
  const q = encodeURIComponent;

  const lookups = many((): Item => {
    const u = pick(users, random);
    return {
      path: `/v1/users?email_address=${q(u.email)}`,
      call: { kind: 'list', query: { emailAddress: [u.email] }, paging: DEFAULT_PAGING },
      expect: { kind: 'list', length: 1, firstId: u.id },
    };
  });
  const search = (fragments: Fragment[]) =>
    many((): Item => {
      const f = pick(fragments, random);
      return {
        path: `/v1/users?query=${q(f.text)}`,
        call: { kind: 'list', query: { query: f.text }, paging: DEFAULT_PAGING },
        expect: { kind: 'list', length: Math.min(10, f.matches), firstId: f.newestId },
      };
    });
  const count = (fragments: Fragment[]) =>
    many((): Item => {
      const f = pick(fragments, random);
      return {
        path: `/v1/users/count?query=${q(f.text)}`,
        call: { kind: 'count', query: { query: f.text } },
        expect: { kind: 'count', total: f.matches },
      };
    });
  // Deep pages: offsets between 50% and 99% of the population (50,000–99,000 at 100k users).
  const deep = (orderBy: string, field: 'created_at' | 'email_address' | 'last_name', direction: 'asc' | 'desc', sorted: readonly SeedUser[]) =>
    many((): Item => {
      const offset = Math.floor(users.length * (0.5 + random() * 0.49));
      return {
        path: `/v1/users?order_by=${q(orderBy)}&limit=10&offset=${offset}`,
        call: { kind: 'list', query: {}, paging: { orderBy: { field, direction }, limit: 10, offset } },
        expect: { kind: 'list', length: Math.min(10, users.length - offset), firstId: sorted[offset]?.id },
      };
    });

  const newestFirst = [...users].reverse();
  const byEmail = [...users].sort(compareBy((u) => u.email));
  const byLastName = [...users].sort(compareBy((u) => u.lastName));
  const broadSpan = `${Math.min(...broad.map((f) => f.matches))}–${Math.max(...broad.map((f) => f.matches))}`;
  const narrowSpan = `${Math.min(...narrow.map((f) => f.matches))}–${Math.max(...narrow.map((f) => f.matches))}`;
  return [
    // Latency targets are judged one request at a time (what a caller waits for); the same
    // requests at 10 connections show throughput and the queueing a saturated process adds.
    { key: 'lookup_email', label: 'list ?email_address=<existing>', items: lookups, connections: 1, target: LOOKUP_TARGET },
    { key: 'lookup_email_10conn', label: 'list ?email_address=<existing>', items: lookups },
    { key: 'query_broad', label: `list ?query=<name part> (${broadSpan} hits)`, items: search(broad), connections: 1, target: SEARCH_TARGET },
    { key: 'query_broad_10conn', label: `list ?query=<name part> (${broadSpan} hits)`, items: search(broad) },
    { key: 'query_narrow', label: `list ?query=<email part> (${narrowSpan} hits)`, items: search(narrow), connections: 1, target: SEARCH_TARGET },
    { key: 'query_narrow_10conn', label: `list ?query=<email part> (${narrowSpan} hits)`, items: search(narrow) },
    { key: 'count_broad', label: `count ?query=<name part> (${broadSpan} hits)`, items: count(broad), connections: 1, target: SEARCH_TARGET },
    { key: 'count_narrow', label: `count ?query=<email part> (${narrowSpan} hits)`, items: count(narrow), connections: 1, target: SEARCH_TARGET },
    { key: 'order_created_at', label: 'list order_by=-created_at deep offset', items: deep('-created_at', 'created_at', 'desc', newestFirst) },
    { key: 'order_email', label: 'list order_by=+email_address deep offset', items: deep('+email_address', 'email_address', 'asc', byEmail) },
    { key: 'order_last_name', label: 'list order_by=+last_name deep offset', items: deep('+last_name', 'last_name', 'asc', byLastName) },
  ];
}

/** The first and last few requests of a mix to check before it is timed. */
export function preflightSample(scenario: Scenario): Item[] {
  return [...scenario.items.slice(0, 3), ...scenario.items.slice(-3)];
}

/** What is wrong with a 200 reply to `item`, if anything. */
export function wrongAnswer(item: Item, body: unknown): string | undefined {
  if (item.expect.kind === 'count') return isRecord(body) && body.total_count === item.expect.total ? undefined : `should count ${item.expect.total}`;
  if (!Array.isArray(body)) return 'is not a list';
  if (body.length !== item.expect.length) return `should list ${item.expect.length} users`;
  const first: unknown = body[0];
  if (item.expect.firstId !== undefined && (!isRecord(first) || first.id !== item.expect.firstId)) return `should list ${item.expect.firstId} first`;
  return undefined;
}

/** The request's call through the domain layer, for in-process timing and query plans. */
export function runCall(store: Store, config: Config, call: DomainCall): Promise<unknown> {
  const ctx = domainContextFor(config, store);
  return call.kind === 'list' ? listUsers(ctx, call.query, call.paging) : countUsers(ctx, call.query);
}
