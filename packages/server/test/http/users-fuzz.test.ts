/**
 * Property-based fuzzing of every users route (and the email address / phone number routes that
 * hang off a user): malformed bodies, path parameters, query strings and headers must never yield
 * a 5xx, and every error must be Clerk's envelope with `Content-Type: application/json` and no
 * internals (stack traces, file paths) in it.
 */
import http from 'node:http';
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;

interface Reply {
  status: number;
  contentType: string | null;
  text: string;
}

/** What was sent, for the failure message: a reproducer is worth more than a diff. */
type Sent = Record<string, unknown>;

/** The ids the routes are fuzzed with when a real one is wanted; set up in beforeAll. */
const real = { user: '', email: '', phone: '', spareEmail: '', sparePhone: '', disposable: [] as string[] };

const PASSWORD = 'violet lanterns drift at dawn';

/** A counter for identifiers that must not collide (emails, usernames, phone numbers). */
let unique = 0;
const fresh = (): number => ++unique;

beforeAll(async () => {
  // Private metadata is read back exactly here: no planted canary (test-server.ts).
  t = await startTestServer({}, { plantCanary: false });
  const created = await t.request('POST', '/v1/users', {
    body: { email_address: ['fuzz.target@example.com'], phone_number: ['+14155550142'], username: 'fuzz_target', password: PASSWORD },
  });
  expect(created.status).toBe(200);
  const user = created.body as { id: string; email_addresses: { id: string }[]; phone_numbers: { id: string }[] };
  real.user = user.id;
  real.email = user.email_addresses[0]!.id;
  real.phone = user.phone_numbers[0]!.id;
  // DELETE routes get their own victims so the main fixture keeps exercising the deep paths.
  for (let i = 0; i < 3; i++) {
    const victim = await t.request('POST', '/v1/users', { body: { email_address: [`fuzz.victim${i}@example.com`] } });
    expect(victim.status).toBe(200);
    real.disposable.push((victim.body as { id: string }).id);
  }
  const spare = await t.request('POST', '/v1/users', { body: { email_address: ['fuzz.spare@example.com', 'fuzz.spare2@example.com'], phone_number: ['+14155550143', '+14155550144'] } });
  expect(spare.status).toBe(200);
  const spareUser = spare.body as { email_addresses: { id: string }[]; phone_numbers: { id: string }[] };
  real.spareEmail = spareUser.email_addresses[1]!.id;
  real.sparePhone = spareUser.phone_numbers[1]!.id;
}, 60_000);

afterAll(async () => {
  await t?.close();
});

// ---------------------------------------------------------------------------------------------
// The invariant every reply must satisfy
// ---------------------------------------------------------------------------------------------

const STACK_TRACE = /\bat\s+(?:[^\s()]+\s+\()?(?:file:\/\/|node:|\/|[A-Za-z]:\\)[^\s)]*:\d+/;

function describeSent(sent: Sent): string {
  return JSON.stringify(sent, (_k, v: unknown) => (typeof v === 'string' && v.length > 300 ? `${v.slice(0, 300)}…(${v.length} chars)` : v));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Throws (with the request that caused it) unless the reply honours the transport contract. */
function assertWellFormed(reply: Reply, sent: Sent): void {
  const fail = (why: string): never => {
    throw new Error(`${why}\n  request: ${describeSent(sent)}\n  reply: ${reply.status} ${reply.contentType ?? '(no content-type)'} ${reply.text.slice(0, 500)}`);
  };
  if (reply.status >= 500) fail('server error');
  if (reply.text.includes('node_modules') || STACK_TRACE.test(reply.text)) fail('stack trace or file path in the reply');
  if (reply.contentType !== 'application/json') fail('Content-Type is not exactly application/json');
  let body: unknown;
  try {
    body = JSON.parse(reply.text);
  } catch {
    fail('body is not JSON');
  }
  if (reply.status < 400) return;
  if (!isPlainObject(body)) return fail('error body is not a JSON object');
  const extra = Object.keys(body).filter((k) => k !== 'errors' && k !== 'clerk_trace_id');
  if (extra.length > 0) fail(`unexpected top-level keys ${extra.join(', ')}`);
  if (body['clerk_trace_id'] !== undefined && typeof body['clerk_trace_id'] !== 'string') fail('clerk_trace_id is not a string');
  const errors = body['errors'];
  if (!Array.isArray(errors) || errors.length === 0) return fail('errors is not a non-empty array');
  for (const error of errors as unknown[]) {
    if (!isPlainObject(error)) return fail('an error is not an object');
    for (const field of ['code', 'message', 'long_message'] as const) {
      const value = error[field];
      if (typeof value !== 'string') return fail(`errors[].${field} is not a string`);
      if (value.includes('Error:')) fail(`errors[].${field} leaks an exception: ${value}`);
    }
    if (error['meta'] !== undefined && !isPlainObject(error['meta'])) fail('errors[].meta is not an object');
    const unknownKeys = Object.keys(error).filter((k) => !['code', 'message', 'long_message', 'meta'].includes(k));
    if (unknownKeys.length > 0) fail(`unexpected error keys ${unknownKeys.join(', ')}`);
  }
}

function errorCode(reply: Reply): string | undefined {
  try {
    return (JSON.parse(reply.text) as { errors?: { code?: string }[] }).errors?.[0]?.code;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Transports: the test server's helper for the simple cases, fetch for raw bodies and headers,
// node:http for paths fetch would normalize (`..`, `%2e%2e`) and for duplicated header lines.
// ---------------------------------------------------------------------------------------------

async function viaHelper(method: string, path: string, body: unknown): Promise<Reply> {
  const reply = await t.request(method, path, body === undefined ? {} : { body });
  return { status: reply.status, contentType: reply.headers.get('content-type'), text: reply.text };
}

async function viaFetch(method: string, path: string, headers: Record<string, string>, body?: string | Uint8Array): Promise<Reply> {
  const response = await fetch(`${t.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

function viaHttp(method: string, path: string, headers: Record<string, string | string[] | number>, body?: string | Buffer): Promise<Reply> {
  const { hostname, port } = new URL(t.url);
  // Frame the body explicitly: Node's client sends GET and DELETE bodies with neither
  // Content-Length nor chunked encoding, which would be garbage on the wire, not a fuzz case.
  if (body !== undefined) headers = { ...headers, 'content-length': Buffer.byteLength(body) };
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const type = res.headers['content-type'];
        resolve({ status: res.statusCode ?? 0, contentType: typeof type === 'string' ? type : null, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const auth = (): Record<string, string> => ({ authorization: `Bearer ${t.secretKey}` });

// ---------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------

type IdKind = 'user' | 'email' | 'phone';

interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** `{id}` stands for the path parameter. */
  template: string;
  id?: IdKind;
}

const ROUTES: readonly Route[] = [
  { method: 'GET', template: '/v1/users' },
  { method: 'GET', template: '/v1/users/count' },
  { method: 'POST', template: '/v1/users' },
  { method: 'GET', template: '/v1/users/{id}', id: 'user' },
  { method: 'PATCH', template: '/v1/users/{id}', id: 'user' },
  { method: 'DELETE', template: '/v1/users/{id}', id: 'user' },
  { method: 'PATCH', template: '/v1/users/{id}/metadata', id: 'user' },
  { method: 'PUT', template: '/v1/users/{id}/metadata', id: 'user' },
  { method: 'POST', template: '/v1/users/{id}/ban', id: 'user' },
  { method: 'POST', template: '/v1/users/{id}/unban', id: 'user' },
  { method: 'POST', template: '/v1/users/{id}/lock', id: 'user' },
  { method: 'POST', template: '/v1/users/{id}/unlock', id: 'user' },
  { method: 'POST', template: '/v1/users/{id}/verify_password', id: 'user' },
  { method: 'POST', template: '/v1/users/{id}/remove_password', id: 'user' },
  { method: 'POST', template: '/v1/users/{id}/password/set_compromised', id: 'user' },
  { method: 'POST', template: '/v1/users/{id}/password/unset_compromised', id: 'user' },
  { method: 'POST', template: '/v1/email_addresses' },
  { method: 'GET', template: '/v1/email_addresses/{id}', id: 'email' },
  { method: 'PATCH', template: '/v1/email_addresses/{id}', id: 'email' },
  { method: 'DELETE', template: '/v1/email_addresses/{id}', id: 'email' },
  { method: 'POST', template: '/v1/phone_numbers' },
  { method: 'GET', template: '/v1/phone_numbers/{id}', id: 'phone' },
  { method: 'PATCH', template: '/v1/phone_numbers/{id}', id: 'phone' },
  { method: 'DELETE', template: '/v1/phone_numbers/{id}', id: 'phone' },
];

const route = fc.constantFrom(...ROUTES);

/** Routes whose behaviour depends on the body, weighted up where bodies are fuzzed. */
const BODY_ROUTES = new Set(['POST /v1/users', 'PATCH /v1/users/{id}', 'PATCH /v1/users/{id}/metadata', 'PUT /v1/users/{id}/metadata', 'POST /v1/users/{id}/verify_password', 'POST /v1/users/{id}/remove_password', 'POST /v1/email_addresses', 'PATCH /v1/email_addresses/{id}', 'POST /v1/phone_numbers', 'PATCH /v1/phone_numbers/{id}']);
const bodyRoute = fc.oneof(
  { arbitrary: fc.constantFrom(...ROUTES.filter((r) => BODY_ROUTES.has(`${r.method} ${r.template}`))), weight: 4 },
  { arbitrary: route, weight: 1 },
);

/** A path parameter as it goes on the wire (already percent-encoded where it needs to be). */
type IdChoice = { kind: 'real' } | { kind: 'raw'; value: string };

/**
 * The real id for a route. DELETE gets a freshly created victim each time, so deletions keep
 * exercising the real path instead of 404ing after the first, and the fixture survives.
 */
async function realId(r: Route): Promise<string> {
  if (r.method === 'DELETE') {
    const n = fresh();
    const [path, body] =
      r.id === 'email'
        ? ['/v1/email_addresses', { user_id: real.user, email_address: `fuzz.victim.email${n}@example.com`, verified: n % 2 === 0 }]
        : r.id === 'phone'
          ? ['/v1/phone_numbers', { user_id: real.user, phone_number: `+1415555${String(2000 + (n % 8000)).padStart(4, '0')}` }]
          : ['/v1/users', { email_address: [`fuzz.victim.user${n}@example.com`] }];
    const created = await t.request('POST', path, { body });
    if (created.status === 200) return (created.body as { id: string }).id;
    return r.id === 'email' ? real.spareEmail : r.id === 'phone' ? real.sparePhone : (real.disposable[0] ?? real.user);
  }
  if (r.id === 'email') return real.email;
  if (r.id === 'phone') return real.phone;
  return real.user;
}

async function pathFor(r: Route, id: IdChoice): Promise<string> {
  const value = id.kind === 'real' ? await realId(r) : id.value;
  return r.template.replace('{id}', value);
}

// ---------------------------------------------------------------------------------------------
// Value generators
// ---------------------------------------------------------------------------------------------

const SPECIAL_STRINGS = [
  '',
  ' ',
  '\t\n',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83dy',
  '\ufeff',
  '\u202e',
  '🦄',
  'Ω≈ç√∫',
  'ﬀ',
  '../../etc/passwd',
  "' OR 1=1 --",
  "'; drop table users; --",
  '%',
  '_',
  '*',
  '[',
  '[a-z]',
  '?',
  '"',
  '\\',
  '\\%',
  '%_%',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'prototype',
  'null',
  'undefined',
  'true',
  '0',
  '-1',
  '1e400',
  'NaN',
  '2012-10-20T07:15:20.902Z',
  '9999-99-99T99:99:99Z',
  '+275760-09-13T00:00:00.000Z',
  'bcrypt',
  'argon2id',
  'verified',
  'reserved',
  '+14155552671',
  '+1 (415) 555-0142',
  'a@b.co',
  'fuzz.target@example.com',
  'user_',
  'idn_',
];

/** Up to ~100 KB of one repeated unit, ASCII, accented, astral, NUL or lone surrogate. */
const hugeString = fc
  .tuple(fc.constantFrom('x', 'é', '🦄', '\u0000', '\ud800', ' ', '%', 'a@'), fc.integer({ min: 257, max: 100_000 }))
  .map(([unit, n]) => unit.repeat(Math.max(1, Math.floor(n / unit.length))));

const weirdString = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
  { arbitrary: fc.constantFrom(...SPECIAL_STRINGS), weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 1 },
  { arbitrary: hugeString, weight: 1 },
);

/** `depth` levels of objects, arrays, or both alternating. */
function nested(depth: number, shape: 'object' | 'array' | 'mixed', leaf: unknown = 1): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) {
    const asArray = shape === 'array' || (shape === 'mixed' && i % 2 === 1);
    value = asArray ? [value] : { a: value };
  }
  return value;
}

const deep = fc
  .tuple(fc.integer({ min: 20, max: 200 }), fc.constantFrom('object' as const, 'array' as const, 'mixed' as const))
  .map(([depth, shape]) => nested(depth, shape));

const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, Number.MAX_SAFE_INTEGER + 2),
  fc.boolean(),
  fc.constant(null),
  weirdString,
  fc.array(weirdString, { maxLength: 5 }),
  fc.array(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(weirdString.filter((s) => s.length < 50), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  deep,
  fc.array(fc.constant('a@b.co'), { minLength: 101, maxLength: 150 }),
);

/**
 * Sometimes-plausible values, so a body gets past its first parameter and the domain sees the
 * wrong one. Plaintext passwords are rare: a valid one costs an argon2 hash (~50 ms).
 */
const plausible: Record<string, fc.Arbitrary<unknown>> = {
  email_address: fc.oneof(
    fc.constant(null).map(() => [`fuzz${fresh()}@example.com`]),
    fc.constant(null).map(() => `fuzz${fresh()}@example.com`),
    fc.constant(null).map(() => [`fuzz${fresh()}@example.com`, `FUZZ${unique}@Example.com`]),
    fc.constant(['fuzz.target@example.com']),
    fc.constant(['Fuzz.Target@EXAMPLE.com ']),
    fc.constant(['not-an-email', 'a@b']),
    fc.constant(null).map(() => `ｆｕｚｚ${fresh()}@ｅｘａｍｐｌｅ.com`),
  ),
  phone_number: fc.oneof(
    fc.constant(['+14155550142']),
    fc.constant('+442071838750'),
    fc.constant(['+1 415 555 2671', '+14155552671']),
    fc.constant(['12345']),
    fc.constant(null).map(() => [`+1415555${String(2000 + (fresh() % 8000)).padStart(4, '0')}`]),
  ),
  username: fc.oneof(fc.constant(null).map(() => `fuzz_${fresh()}`), fc.constantFrom('fuzz_target', 'FUZZ_TARGET', 'ab', 'has space', 'ﬁne_name', 'x'.repeat(65))),
  external_id: fc.oneof(fc.constant('fuzz-ext'), fc.constant(null).map(() => `ext-${fresh()}`), fc.constant('')),
  first_name: fc.constantFrom('Ada', '', '\u202eevil', '🦄'.repeat(64), 'x'.repeat(256)),
  password: fc.oneof(
    { arbitrary: fc.constantFrom('short', 'password123', 'gatehouse2024!', '', 'a'.repeat(300)), weight: 7 },
    { arbitrary: fc.constant(PASSWORD), weight: 1 },
  ),
  password_digest: fc.constantFrom('$2a$10$abcdefghijklmnopqrstuuJ3iGzbJm4T4i7FO/c2l2SAlPxIH2eq', 'nonsense', '$argon2id$v=19$m=19456,t=2,p=1$', ''),
  password_hasher: fc.constantFrom('bcrypt', 'argon2id', 'md5', 'scrypt_firebase', 'phpass', 'nope'),
  public_metadata: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  private_metadata: fc.constantFrom({ nested: { value: null } }, { blob: 'x'.repeat(9000) }),
  unsafe_metadata: fc.constantFrom({}, { a: null }),
  created_at: fc.constantFrom('2012-10-20T07:15:20.902Z', '1970-01-01T00:00:00Z', '2999-12-31T23:59:59+14:00', '0000-01-01T00:00:00Z'),
  legal_accepted_at: fc.constantFrom('2012-10-20T07:15:20Z', '2012-02-30T07:15:20Z', '9999-12-31T23:59:59.999999999Z'),
  user_id: fc.oneof(fc.constant(null).map(() => real.user), fc.constant('user_doesnotexist')),
  primary_email_address_id: fc.oneof(fc.constant(null).map(() => real.email), fc.constant(null).map(() => real.spareEmail), fc.constant('idn_nope')),
  primary_phone_number_id: fc.oneof(fc.constant(null).map(() => real.phone), fc.constant(null).map(() => real.sparePhone), fc.constant('idn_nope')),
  verified: fc.boolean(),
  primary: fc.boolean(),
  reserved_for_second_factor: fc.boolean(),
  skip_password_checks: fc.boolean(),
  skip_password_requirement: fc.boolean(),
  skip_user_requirement: fc.boolean(),
  banned: fc.boolean(),
  locked: fc.boolean(),
  email_address_identification_status: fc.constantFrom(['verified'], ['reserved'], ['reserved', 'verified'], []),
  phone_number_identification_status: fc.constantFrom(['verified'], ['bogus'], []),
  create_organizations_limit: fc.integer({ min: -5, max: 2_000_000 }),
  totp_secret: fc.constantFrom('', null, 'AAAA'),
  backup_codes: fc.constantFrom([], ['123456']),
};

const PARAM_NAMES = [
  'email_address',
  'phone_number',
  'username',
  'password',
  'password_digest',
  'password_hasher',
  'first_name',
  'last_name',
  'external_id',
  'locale',
  'public_metadata',
  'private_metadata',
  'unsafe_metadata',
  'created_at',
  'legal_accepted_at',
  'limit',
  'offset',
  'order_by',
  'primary',
  'verified',
  'user_id',
  'reserved_for_second_factor',
  'notify_primary_email_address_changed',
  'skip_password_checks',
  'skip_password_requirement',
  'skip_user_requirement',
  'skip_legal_checks',
  'email_address_identification_status',
  'phone_number_identification_status',
  'totp_secret',
  'backup_codes',
  'web3_wallet',
  'primary_email_address_id',
  'primary_phone_number_id',
  'primary_web3_wallet_id',
  'profile_image_id',
  'delete_self_enabled',
  'create_organization_enabled',
  'create_organizations_limit',
  'sign_out_of_other_sessions',
  'bypass_client_trust',
  'banned',
  'locked',
] as const;

const entryWith = (plausibleWeight: number) =>
  fc.constantFrom(...PARAM_NAMES).chain((name) => {
    const good = plausible[name];
    const value = good ? fc.oneof({ arbitrary: wrongValue, weight: 1 }, { arbitrary: good, weight: plausibleWeight }) : wrongValue;
    return value.map((v) => [name, v] as const);
  });
const paramEntry = entryWith(1);

/** An object keyed by real parameter names, mostly with values of the wrong type. */
const paramObject = fc.array(paramEntry, { minLength: 1, maxLength: 6 }).map((entries) => Object.fromEntries(entries) as Record<string, unknown>);

/** A body the route would accept (without an argon2 hash), so one mutated parameter reaches the domain. */
function validBase(r: Route): Record<string, unknown> {
  const n = fresh();
  switch (`${r.method} ${r.template}`) {
    case 'POST /v1/users':
      return { email_address: [`fuzz.base${n}@example.com`], username: `fuzz_base_${n}`, first_name: 'Fuzz', public_metadata: { n } };
    case 'PATCH /v1/users/{id}':
      return { first_name: `Fuzz ${n}`, last_name: 'Target' };
    case 'PATCH /v1/users/{id}/metadata':
    case 'PUT /v1/users/{id}/metadata':
      return { public_metadata: { n }, private_metadata: { seen: true }, unsafe_metadata: {} };
    case 'POST /v1/users/{id}/verify_password':
      return { password: PASSWORD };
    case 'POST /v1/email_addresses':
      return { user_id: real.user, email_address: `fuzz.extra${n}@example.com`, verified: true };
    case 'POST /v1/phone_numbers':
      return { user_id: real.user, phone_number: `+1415555${String(n % 10_000).padStart(4, '0')}`, verified: n % 2 === 0 };
    case 'PATCH /v1/email_addresses/{id}':
    case 'PATCH /v1/phone_numbers/{id}':
      return { verified: true };
    default:
      return {};
  }
}

/** A valid body for the route with one to three parameters replaced or added, mostly with wrong types. */
const mutatedBody = (r: Route): fc.Arbitrary<unknown> =>
  fc.array(entryWith(3), { minLength: 1, maxLength: 3 }).map((entries) => ({ ...validBase(r), ...Object.fromEntries(entries) }));

const jsonBody = (r: Route): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: fc.jsonValue(), weight: 2 },
    { arbitrary: paramObject, weight: 4 },
    { arbitrary: mutatedBody(r), weight: 6 },
    { arbitrary: deep, weight: 1 },
    { arbitrary: fc.tuple(mutatedBody(r), fc.constantFrom('public_metadata', 'private_metadata', 'unsafe_metadata'), deep).map(([o, k, d]) => ({ ...(o as object), [k]: d })), weight: 1 },
  );

// Path parameters: names the router sees after decoding, and encodings it must decode.
const rawIdValue = fc.oneof(
  fc.constantFrom(
    'user_doesnotexist',
    'idn_doesnotexist',
    'user_2abcdefghijklmnopqrstuvwxyz',
    '%00',
    'user_%00',
    '%00%00',
    '%2F',
    'a%2Fb',
    '..%2F..%2Fetc%2Fpasswd',
    '%2e%2e',
    '%252e',
    '%ZZ',
    '%',
    '%E2%82',
    '%C0%AF',
    '%FF%FE',
    '%F0%9F%A6%84',
    '%ED%A0%80',
    '%20',
    '+',
    "'",
    '%27%20OR%201%3D1',
    '*',
    '%5B%5D',
    'null',
    '0',
    '-1',
    `user_${'x'.repeat(300)}`,
    'x'.repeat(1000),
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '\ufffd'))),
  fc.integer({ min: 1, max: 400 }).map((n) => 'u'.repeat(n)),
);

const idChoice: fc.Arbitrary<IdChoice> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'real' as const }), weight: 2 },
  { arbitrary: rawIdValue.map((value) => ({ kind: 'raw' as const, value })), weight: 3 },
);

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/** Runs per property; raise GATEHOUSE_FUZZ_RUNS for a longer hunt (e.g. 5000) when touching these routes. */
const NUM_RUNS = Number(process.env.GATEHOUSE_FUZZ_RUNS ?? 250);
/** A fixed seed keeps CI repeatable; GATEHOUSE_FUZZ_SEED explores others (fast-check prints the one that failed). */
const SEED = Number(process.env.GATEHOUSE_FUZZ_SEED ?? 20261207);
const PROPERTY_TIMEOUT = Math.max(60_000, NUM_RUNS * 100);

describe('users routes under fuzzing', () => {
  it('answer arbitrary JSON bodies with a 2xx or a Clerk error envelope', async () => {
    await fc.assert(
      fc.asyncProperty(bodyRoute.chain((r) => fc.tuple(fc.constant(r), fc.oneof({ arbitrary: fc.constant<IdChoice>({ kind: 'real' }), weight: 4 }, { arbitrary: idChoice, weight: 1 }), jsonBody(r))), async ([r, id, body]) => {
        const path = await pathFor(r, id);
        // fetch refuses a body on GET; node:http sends one, as some clients do.
        const reply =
          r.method === 'GET' || id.kind === 'raw'
            ? await viaHttp(r.method, path, { ...auth(), 'content-type': 'application/json' }, JSON.stringify(body))
            : await viaHelper(r.method, path, body);
        assertWellFormed(reply, { method: r.method, path, body });
      }),
      { numRuns: NUM_RUNS, seed: SEED },
    );
  }, PROPERTY_TIMEOUT);

  it('answer raw, non-JSON, empty and wrongly typed bodies with a Clerk error envelope', async () => {
    const garbageText = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.constantFrom(
        '{',
        '}',
        '{"email_address": [',
        "{'email_address': 'a@b.co'}",
        '{"a":1,}',
        '[1,2,',
        'NaN',
        'undefined',
        '\u0000',
        '\ufeff{}',
        '{"first_name": "\\ud800"}',
        '{"first_name": "\\u0000"}',
        '{"email_address": ["\\u0000@example.com"]}',
        '{"external_id": "a\\u0000b"}',
        '{"__proto__": {"polluted": true}}',
        '{"constructor": {"prototype": {"polluted": true}}}',
        '{"public_metadata": {"__proto__": {"polluted": true}}}',
        '{"public_metadata": {"a": [{"constructor": 1}]}}',
        '{"unsafe_metadata": {"prototype": null}}',
        '{"first_name": "a", "first_name": 1}',
        '{"__proto__": null}',
        '{"limit": 1e999}',
        '{"primary": 1e-999}',
        '"just a string"',
        '123',
        'null',
        'true',
        '[]',
        '     ',
        '\r\n\r\n',
        'email_address=a%40b.co&password=x',
      ),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      paramObject.map((o) => JSON.stringify(o).slice(0, -1)),
    );
    const body = fc.oneof(
      garbageText.map((text) => ({ text })),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ bytes })),
      fc.constant({ text: '' }),
      fc.constant(undefined),
    );
    const contentType = fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'APPLICATION/JSON',
      'application/json ; foo=bar',
      'application/jsonx',
      'application/vnd.api+json',
      'text/plain',
      'text/plain; charset=utf-8',
      'text/html',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      'multipart/form-data; boundary=',
      'multipart/form-data; boundary=----garbage\u00ff',
      'application/octet-stream',
      '*/*',
      ';',
      'application/',
      '',
      'none',
    );
    await fc.assert(
      fc.asyncProperty(route, idChoice, body, contentType, async (r, id, b, type) => {
        const path = await pathFor(r, id);
        const headers: Record<string, string> = auth();
        if (type !== 'none') headers['content-type'] = type;
        const payload = b === undefined ? undefined : 'text' in b ? b.text : b.bytes;
        // fetch refuses a body on GET; send those through node:http, which does not.
        const reply =
          r.method === 'GET' || id.kind === 'raw'
            ? await viaHttp(r.method, path, headers, payload === undefined ? undefined : typeof payload === 'string' ? payload : Buffer.from(payload))
            : await viaFetch(r.method, path, headers, payload);
        assertWellFormed(reply, { method: r.method, path, contentType: type, body: b });
      }),
      { numRuns: NUM_RUNS, seed: SEED },
    );
  }, PROPERTY_TIMEOUT);

  it('answer hostile path parameters with a 2xx or a Clerk error envelope', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES.filter((r) => r.id !== undefined)), rawIdValue, fc.option(paramObject, { nil: undefined }), async (r, value, body) => {
        const path = await pathFor(r, { kind: 'raw', value });
        const headers: Record<string, string | string[] | number> = { ...auth(), 'content-type': 'application/json' };
        const reply = await viaHttp(r.method, path, headers, body === undefined ? undefined : JSON.stringify(body));
        assertWellFormed(reply, { method: r.method, path, body });
      }),
      { numRuns: NUM_RUNS, seed: SEED },
    );
  }, PROPERTY_TIMEOUT);

  it('answer arbitrary query strings on the list and count routes with a 2xx or a Clerk error envelope', async () => {
    const QUERY_KEYS = [
      'limit',
      'offset',
      'order_by',
      'query',
      'email_address',
      'email_address[]',
      'phone_number',
      'phone_number[]',
      'username',
      'user_id',
      'user_id[]',
      'external_id',
      'web3_wallet',
      'email_address_query',
      'phone_number_query',
      'username_query',
      'name_query',
      'banned',
      'created_at_before',
      'created_at_after',
      'last_active_at_before',
      'last_active_at_after',
      'last_active_at_since',
      'last_sign_in_at_before',
      'last_sign_in_at_after',
      'starting_after',
      'organization_id',
      '__proto__',
      'constructor',
      'hasOwnProperty',
      'limit[]',
      'limit[a]',
      'a[b][c]',
      '',
    ];
    const META = ['%', '_', '*', '[', ']', "'", '"', '\\', '?', '^', '!', '\u0000', '%_', '\\%', '[*]', "''", 'a%b_c*d[e', "' or '1'='1", '%%%%'];
    const queryValue = fc.oneof(
      fc.constantFrom(
        '',
        '0',
        '-1',
        '1',
        '500',
        '501',
        '10.5',
        '1e3',
        '0x10',
        ' 10',
        '99999999999999999999999',
        '-99999999999999999999',
        'NaN',
        'true',
        'false',
        'TRUE',
        'created_at',
        '-created_at',
        '+username',
        '--created_at',
        'created_at desc',
        'password_digest',
        'id; drop table users',
        '-web3wallet',
        '+last_active_at',
        real.user || 'user_x',
        '-user_x',
        '+',
        '-',
        'fuzz',
        'Fuzz.Target@Example.com',
        '+14155550142',
      ),
      fc.array(fc.constantFrom(...META), { minLength: 1, maxLength: 8 }).map((parts) => parts.join('')),
      fc.string({ unit: 'binary', maxLength: 30 }).map((s) => s.replace(/[\ud800-\udfff]/g, '\ufffd')),
      fc.integer({ min: 1000, max: 6000 }).map((n) => '%'.repeat(n)),
    );
    const entries = fc.array(
      fc.tuple(fc.oneof({ arbitrary: fc.constantFrom(...QUERY_KEYS), weight: 5 }, { arbitrary: fc.string({ maxLength: 10 }), weight: 1 }), queryValue),
      { maxLength: 8 },
    );
    // Sometimes the same key many times, as `email_address=a&email_address=b…`.
    const repeated = fc.tuple(fc.constantFrom('email_address', 'user_id', 'order_by', 'limit', 'query', 'email_address[]'), queryValue, fc.integer({ min: 2, max: 150 })).map(
      ([key, value, n]) => Array.from({ length: n }, (_, i) => [key, `${value}${i}`] as [string, string]),
    );
    // Strictly encoded, or with bare `%` left in to make malformed escapes. Kept under 12 KB so the
    // request line stays within Node's 16 KB header limit (that case is pinned separately below).
    const loose = (s: string) => encodeURIComponent(s).replace(/%25/g, '%');
    const encodedQuery = fc
      .tuple(fc.oneof(entries, repeated), fc.boolean())
      .map(([pairs, strict]) => {
        const encode = strict ? encodeURIComponent : loose;
        return pairs
          .map(([k, v]) => `${encode(k)}=${encode(v)}`)
          .join('&')
          .slice(0, 12_000);
      });
    const rawQuery = fc.constantFrom('', '?', '&&&', '=', '==', 'limit', 'limit=', 'limit==1', '%', '%ZZ=1', 'a=%ZZ', 'limit=%00', 'query=%FF%FE', 'query=%ED%A0%80', 'a[=1', '[]=1', 'email_address[]', 'email_address[]=&email_address[]=');

    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/v1/users', '/v1/users/count'), fc.oneof({ arbitrary: encodedQuery, weight: 4 }, { arbitrary: rawQuery, weight: 1 }), async (path, query) => {
        const target = `${path}?${query}`;
        assertWellFormed(await viaHttp('GET', target, auth()), { method: 'GET', path: target });
      }),
      { numRuns: NUM_RUNS, seed: SEED },
    );
  }, PROPERTY_TIMEOUT);

  it('refuses missing, malformed and wrong credentials on every route with a 401 envelope', async () => {
    const utf8AsLatin1 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
    // Node refuses to send control characters in a header; lone surrogates cannot be UTF-8.
    const headerSafe = (s: string): string =>
      [...s]
        .filter((ch) => {
          const c = ch.charCodeAt(0);
          return c >= 0x20 && c !== 0x7f && (c < 0xd800 || c > 0xdfff || ch.length === 2);
        })
        .join('');
    const badAuth = fc.oneof(
      fc.constant<string | string[] | undefined>(undefined),
      fc.constantFrom(
        '',
        'Bearer',
        'Bearer ',
        'Bearer  ',
        'Basic dXNlcjpwYXNz',
        'Token abc',
        'sk_live_x',
        'Bearer sk_live_wrongwrongwrongwrongwrongwrong',
        'Bearer sk_test_',
        'Bearer null',
        'Bearer undefined',
        "Bearer ' or 1=1 --",
        'Bearer %00',
        'BearerX sk_live_x',
        'Bearer\tsk_live_x',
        `Bearer ${'k'.repeat(10_240)}`,
        `Bearer sk_live_${'A'.repeat(513)}`,
        utf8AsLatin1('Bearer sk_live_🦄🦄🦄'),
        utf8AsLatin1('Bearer ключ'),
        '\u00ff\u00fe',
      ),
      fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((s) => `Bearer ${headerSafe(s)}`),
      fc.string({ unit: 'binary', maxLength: 30 }).map((s) => utf8AsLatin1(`Bearer ${headerSafe(s)}`)),
      fc.constant(null).map(() => [`Bearer sk_live_wrongwrongwrongwrong`, `Bearer ${t.secretKey}`]),
      fc.constant(null).map(() => [`Basic ${t.secretKey}`, `Basic ${t.secretKey}`]),
      fc.constant(null).map(() => `Bearer ${t.secretKey}, Bearer ${t.secretKey}`),
      fc.constant(null).map(() => `Basic ${t.secretKey}`),
      fc.constant(null).map(() => `Bearer ${t.secretKey}x`),
      fc.constant(null).map(() => `Bearer ${t.secretKey.slice(0, -1)}`),
      fc.constant(null).map(() => `Bearer ${t.secretKey.toUpperCase()}`),
      fc.constant(null).map(() => `Bearer ${t.secretKey} extra`),
      fc.constant(null).map(() => `Bearer ${t.secretKey}${'\u00a0'}`),
    );
    await fc.assert(
      fc.asyncProperty(route, idChoice, badAuth, fc.option(paramObject, { nil: undefined }), async (r, id, authorization, body) => {
        const path = await pathFor(r, id);
        const headers: Record<string, string | string[] | number> = { 'content-type': 'application/json' };
        if (authorization !== undefined) headers['authorization'] = authorization;
        const reply = await viaHttp(r.method, path, headers, body === undefined ? undefined : JSON.stringify(body));
        const sent = { method: r.method, path, authorization, body };
        assertWellFormed(reply, sent);
        // Node keeps the first of duplicated Authorization lines; a first line that is the real
        // key is a real credential, so only a wrong first line must be refused.
        const first = Array.isArray(authorization) ? authorization[0] : authorization;
        if (first !== `Bearer ${t.secretKey}`) {
          expect(reply.status, describeSent(sent)).toBeOneOf([400, 401, 404]);
          if (reply.status === 401) expect(errorCode(reply)).toBe('clerk_key_invalid');
        }
      }),
      { numRuns: NUM_RUNS, seed: SEED },
    );
  }, PROPERTY_TIMEOUT);

  it('accepts the real key however the Bearer scheme is spelled', async () => {
    for (const authorization of [`Bearer ${t.secretKey}`, `bearer ${t.secretKey}`, `BEARER ${t.secretKey}`, `Bearer   ${t.secretKey}`, `Bearer ${t.secretKey}  `]) {
      const reply = await viaFetch('GET', '/v1/users/count', { authorization });
      assertWellFormed(reply, { authorization });
      expect(reply.status, authorization).toBe(200);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Deterministic regressions the properties could miss
// ---------------------------------------------------------------------------------------------

describe('users routes: hostile payloads', () => {
  it('refuses a 2 MB JSON body with a 413 envelope', async () => {
    const big = JSON.stringify({ email_address: ['big@example.com'], first_name: 'x'.repeat(2 * 1024 * 1024) });
    const reply = await viaFetch('POST', '/v1/users', { ...auth(), 'content-type': 'application/json' }, big);
    assertWellFormed(reply, { method: 'POST', path: '/v1/users', body: '2 MB JSON' });
    expect(reply.status).toBe(413);
    expect(errorCode(reply)).toBe('request_body_too_large');
  });

  it('refuses a 2 MB chunked JSON body (no Content-Length) with a 413 envelope', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(Buffer.from('{"first_name":"'));
        if (sent >= 2 * 1024 * 1024) {
          controller.enqueue(Buffer.from('"}'));
          controller.close();
          return;
        }
        controller.enqueue(chunk);
        sent += chunk.length;
      },
    });
    const init = { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit;
    let reply: Reply | undefined;
    try {
      const response = await fetch(`${t.url}/v1/users`, init);
      reply = { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
    } catch {
      // The server may close the socket once it has answered; what matters is that it answered
      // the request with an envelope when it did and that it still serves (checked below).
    }
    if (reply) {
      assertWellFormed(reply, { method: 'POST', path: '/v1/users', body: '2 MB chunked JSON' });
      expect(reply.status).toBe(413);
    }
    expect((await viaFetch('GET', '/healthz', {})).status).toBe(200);
  });

  it('refuses __proto__ in metadata and leaves no trace of it on later users', async () => {
    for (const [method, path] of [
      ['POST', '/v1/users'],
      ['PATCH', `/v1/users/${real.user}`],
      ['PATCH', `/v1/users/${real.user}/metadata`],
      ['PUT', `/v1/users/${real.user}/metadata`],
    ] as const) {
      for (const raw of [
        '{"public_metadata": {"__proto__": {"polluted": true}}}',
        '{"email_address": ["proto@example.com"], "public_metadata": {"__proto__": {"polluted": true}}}',
        '{"email_address": ["proto@example.com"], "__proto__": {"polluted": true, "skip_user_requirement": true}}',
        '{"unsafe_metadata": {"a": {"constructor": {"prototype": {"polluted": true}}}}}',
      ]) {
        const reply = await viaFetch(method, path, { ...auth(), 'content-type': 'application/json' }, raw);
        assertWellFormed(reply, { method, path, body: raw });
        expect(reply.status, `${method} ${path} ${raw}`).toBeGreaterThanOrEqual(400);
        expect(reply.status, `${method} ${path} ${raw}`).toBeLessThan(500);
      }
    }
    const created = await t.request('POST', '/v1/users', { body: { email_address: [`after.proto${fresh()}@example.com`], public_metadata: { ok: true } } });
    expect(created.status).toBe(200);
    expect(created.text).not.toContain('polluted');
    const fetched = await t.request('GET', `/v1/users/${(created.body as { id: string }).id}`);
    expect(fetched.text).not.toContain('polluted');
    const fixture = await t.request('GET', `/v1/users/${real.user}`);
    expect(fixture.text).not.toContain('polluted');
    const list = await t.request('GET', '/v1/users?limit=500');
    expect(list.status).toBe(200);
    expect(list.text).not.toContain('polluted');
  });

  it('refuses JSON nested 10,000 and 100,000 levels deep with a 4xx and keeps serving', async () => {
    const open = (depth: number, unit: string) => unit.repeat(depth);
    const bodies = [
      `${open(10_000, '[')}${open(10_000, ']')}`,
      `${open(10_000, '{"a":')}1${open(10_000, '}')}`,
      `{"public_metadata":${open(10_000, '{"a":')}1${open(10_000, '}')}}`,
      `{"public_metadata":{"x":${open(10_000, '[')}${open(10_000, ']')}}}`,
      `{"public_metadata":{"x":${open(10_000, '[')}{"__proto__":1}${open(10_000, ']')}}}`,
      `{"public_metadata":{"x":${open(100_000, '[')}${open(100_000, ']')}}}`,
      `{"unsafe_metadata":${open(100_000, '{"a":')}1${open(100_000, '}')}}`,
      `{"private_metadata":{"x":${open(100_000, '[')}{"constructor":1}${open(100_000, ']')}}}`,
      `{"email_address":${open(100_000, '[')}${open(100_000, ']')}}`,
    ];
    const targets = [
      ['POST', '/v1/users'],
      ['PATCH', `/v1/users/${real.user}`],
      ['PATCH', `/v1/users/${real.user}/metadata`],
      ['PUT', `/v1/users/${real.user}/metadata`],
      ['POST', '/v1/email_addresses'],
    ] as const;
    for (const [method, path] of targets) {
      for (const body of bodies) {
        const reply = await viaFetch(method, path, { ...auth(), 'content-type': 'application/json' }, body);
        const sent = { method, path, body: `${body.slice(0, 40)}… (${body.length} chars)` };
        assertWellFormed(reply, sent);
        expect(reply.status, describeSent(sent)).toBeGreaterThanOrEqual(400);
        expect((await viaFetch('GET', '/healthz', {})).status).toBe(200);
      }
    }
  });

  it('accepts metadata nested up to the depth limit and refuses it one level deeper', async () => {
    const at = (depth: number) => `{"public_metadata":{"x":${'['.repeat(depth - 2)}${']'.repeat(depth - 2)}}}`;
    const accepted = await viaFetch('PATCH', `/v1/users/${real.user}/metadata`, { ...auth(), 'content-type': 'application/json' }, at(512));
    assertWellFormed(accepted, { body: 'metadata 512 levels deep' });
    expect(accepted.status).toBe(200);
    const readBack = await t.request('GET', `/v1/users/${real.user}`);
    expect(readBack.status).toBe(200);
    const refused = await viaFetch('PATCH', `/v1/users/${real.user}/metadata`, { ...auth(), 'content-type': 'application/json' }, at(513));
    assertWellFormed(refused, { body: 'metadata 513 levels deep' });
    expect(refused.status).toBe(400);
    expect(errorCode(refused)).toBe('request_body_invalid');
    // Brackets inside strings are not nesting.
    const inString = await t.request('PATCH', `/v1/users/${real.user}/metadata`, { body: { public_metadata: { x: '['.repeat(5000), y: '\\"[' } } });
    expect(inString.status).toBe(200);
  });

  it('treats NUL characters in identifiers, names and lookups the same on every store', async () => {
    const cases: [string, string, unknown][] = [
      ['GET', `/v1/users/${encodeURIComponent('user_\u0000')}`, undefined],
      ['GET', `/v1/email_addresses/${encodeURIComponent('idn_\u0000')}`, undefined],
      ['POST', `/v1/users/${encodeURIComponent('\u0000')}/ban`, undefined],
      ['GET', `/v1/users?query=${encodeURIComponent('\u0000')}`, undefined],
      ['GET', `/v1/users?email_address=${encodeURIComponent('a\u0000@b.co')}`, undefined],
      ['GET', `/v1/users?username_query=${encodeURIComponent('\u0000')}`, undefined],
      ['GET', `/v1/users/count?user_id=${encodeURIComponent('-\u0000')}`, undefined],
      ['GET', `/v1/users?starting_after=${encodeURIComponent('\u0000')}`, undefined],
      ['POST', '/v1/users', { email_address: [`nul${fresh()}@example.com`], first_name: 'a\u0000b' }],
      ['POST', '/v1/users', { email_address: [`nul${fresh()}@example.com`], external_id: '\u0000' }],
      ['PATCH', `/v1/users/${real.user}`, { last_name: '\u0000' }],
      ['PATCH', `/v1/users/${real.user}`, { primary_email_address_id: '\u0000' }],
      ['POST', '/v1/email_addresses', { user_id: 'user_\u0000', email_address: 'x@example.com' }],
      ['POST', `/v1/users/${real.user}/verify_password`, { password: '\u0000' }],
    ];
    for (const [method, path, body] of cases) {
      const reply = await viaHelper(method, path, body);
      assertWellFormed(reply, { method, path, body });
      // PostgreSQL cannot store or compare U+0000, so both stores refuse it as a malformed parameter.
      expect(reply.status, `${method} ${path}`).toBe(422);
      expect(errorCode(reply), `${method} ${path}`).toBe('form_param_format_invalid');
    }
  });

  it('answers request lines and headers over the size limit with an envelope', async () => {
    for (const [path, headers] of [
      [`/v1/users?query=${'q'.repeat(20_000)}`, auth()],
      ['/v1/users', { ...auth(), 'x-padding': 'p'.repeat(20_000) }],
      ['/v1/users', { authorization: `Bearer ${'k'.repeat(20_000)}` }],
    ] as const) {
      const reply = await viaHttp('GET', path, headers);
      assertWellFormed(reply, { method: 'GET', path: path.slice(0, 60), headers: Object.keys(headers) });
      expect(reply.status).toBe(431);
      expect(errorCode(reply)).toBe('request_header_too_large');
    }
    expect((await viaFetch('GET', '/healthz', {})).status).toBe(200);
  });

  it('answers a request Node cannot parse with an envelope', async () => {
    const { hostname, port } = new URL(t.url);
    for (const raw of [
      'GET /v1/users HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'GET /v1/users HTTP/9.9\r\n\r\n',
      'BREW /v1/users HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /v1/us ers HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /v1/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    ]) {
      const text = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(port), hostname, () => socket.end(raw));
        const chunks: Buffer[] = [];
        socket.on('data', (c: Buffer) => chunks.push(c));
        socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
        socket.on('error', reject);
      });
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
      const contentType = /^content-type: *(.*)$/im.exec(head)?.[1]?.trim() ?? null;
      const reply = { status, contentType, text: body };
      assertWellFormed(reply, { raw });
      expect(status, raw).toBeGreaterThanOrEqual(400);
    }
    expect((await viaFetch('GET', '/healthz', {})).status).toBe(200);
  });
});

describe('after the fuzzing', () => {
  it('is still healthy and still creates and reads users', async () => {
    expect((await viaFetch('GET', '/healthz', {})).status).toBe(200);
    const created = await t.request('POST', '/v1/users', {
      body: { email_address: [`survivor${fresh()}@example.com`], first_name: 'Survivor', public_metadata: { plan: 'pro' } },
    });
    expect(created.status).toBe(200);
    const user = created.body as { id: string; first_name: string; public_metadata: unknown };
    expect(user.first_name).toBe('Survivor');
    const again = await t.request('GET', `/v1/users/${user.id}`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(created.body);
    expect(again.headers.get('content-type')).toBe('application/json');
    const count = await t.request('GET', '/v1/users/count');
    expect(count.status).toBe(200);
    expect((count.body as { total_count: number }).total_count).toBeGreaterThan(0);
  });
});
