/**
 * Property-based fuzzing of every operation in Clerk's Backend and Frontend API specs
 * (test/clerk-openapi/): requests built from each operation's parameter and body schemas, laced
 * with hostile values (support/spec-fuzz.ts), go over real HTTP to a real server, which must never
 * answer 5xx, must answer every 4xx with Clerk's error envelope, and must still be serving — and
 * still create users — at the end. 2xx and 3xx replies are not judged here.
 *
 * Deterministic by default: GATEHOUSE_FUZZ_SEED picks the seed, FUZZ_RUNS the requests per operation.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInstanceSettings, updateInstanceSettings, type InstanceSettings } from '../../src/domain/settings/instance-settings.js';
import { fapiSpec, hasOperation, listResponses } from '../support/clerk-spec.js';
import { FapiBrowser, type ClientJSON, type SignInJSON } from '../support/fapi-client.js';
import { takeFindings } from '../support/reply-watch.js';
import {
  clerkEnvelopeProblem,
  formEncode,
  loadSpecOperations,
  requestArbitrary,
  type Api,
  type FuzzRequest,
  type IdPool,
  type LoadedSpec,
  type SpecOperation,
} from '../support/spec-fuzz.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const SEED = Number(process.env.GATEHOUSE_FUZZ_SEED ?? 20261207);
/** Requests per operation; 451 operations make this the knob for the file's run time. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 8);
const PASSWORD = 'correct horse battery staple 42';
const REPLY_SHOWN = 600;

let t: TestServer;
/** The instance settings before fuzzing: restored after every operation that may change them. */
let settings: InstanceSettings;
let unique = 0;
const fresh = (): string => `${Date.now().toString(36)}${++unique}`;

const bapiSpec: LoadedSpec = loadSpecOperations('bapi-2026-05-12.yml', 'bapi');
const fapiSpecOps: LoadedSpec = loadSpecOperations('fapi-2026-05-12.yml', 'fapi');

/** Real ids the generators substitute for path ids and id fields; refilled when operations destroy them. */
const bapiIds: IdPool = {};
const fapiIds: IdPool = {};
let browser: FapiBrowser;

// ---------------------------------------------------------------------------------------------
// Fixtures: something real behind the ids, so handlers go deeper than a 404
// ---------------------------------------------------------------------------------------------

let lastFixtureFailure = '';

/** A Backend API call for a fixture: its reply body, or undefined (and the reason kept) when it failed. */
async function bapi(method: string, path: string, body?: unknown): Promise<Record<string, unknown> | undefined> {
  const reply = await t.request(method, `/v1${path}`, body === undefined ? {} : { body });
  if (reply.status < 300 && typeof reply.body === 'object' && reply.body !== null) return reply.body as Record<string, unknown>;
  lastFixtureFailure = `${method} ${path} -> ${reply.status} ${reply.text.slice(0, 300)}`;
  return undefined;
}


const idOf = (value: Record<string, unknown> | undefined): string[] => (typeof value?.id === 'string' ? [value.id] : []);
const idsIn = (value: Record<string, unknown> | undefined, field: string): string[] =>
  Array.isArray(value?.[field]) ? (value[field] as unknown[]).flatMap((v) => (typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string' ? [(v as { id: string }).id] : [])) : [];
const listIds = (value: Record<string, unknown> | undefined): string[] => idsIn(value, 'data');

/** A user with an email, phone and organization, plus invitations, a domain, a session and a template. */
async function refillBapiIds(): Promise<void> {
  const tag = fresh();
  const user = await bapi('POST', '/users', { email_address: [`bapi.${tag}@example.com`], phone_number: [`+1202555${String(unique % 10_000).padStart(4, '0')}`], password: PASSWORD });
  const other = await bapi('POST', '/users', { email_address: [`bapi.other.${tag}@example.com`], skip_password_requirement: true });
  expect(user, `fixture user: ${lastFixtureFailure}`).toBeDefined();
  const userId = user!.id as string;
  const org = await bapi('POST', '/organizations', { name: `Fuzz ${tag}`, created_by: userId });
  expect(org, `fixture organization: ${lastFixtureFailure}`).toBeDefined();
  const orgId = org!.id as string;
  const orgInvitation = await bapi('POST', `/organizations/${orgId}/invitations`, { email_address: `invitee.${tag}@example.com`, role: 'org:member', inviter_user_id: userId });
  const invitation = await bapi('POST', '/invitations', { email_address: `invited.${tag}@example.com` });
  const domain = await bapi('POST', `/organizations/${orgId}/domains`, { name: `fuzz-${tag}.example.com`, enrollment_mode: 'manual_invitation', verified: false });
  const session = await bapi('POST', '/sessions', { user_id: userId });
  const template = await bapi('POST', '/jwt_templates', { name: `fuzz_${tag}`, claims: { role: 'fuzz' } });
  const identifier = await bapi('POST', '/allowlist_identifiers', { identifier: `allowed.${tag}@example.com` });
  Object.assign(bapiIds, {
    user: [userId, ...idOf(other)],
    email: idsIn(user, 'email_addresses'),
    phone: idsIn(user, 'phone_numbers'),
    organization: [orgId],
    invitation: [...idOf(orgInvitation), ...idOf(invitation)],
    domain: idOf(domain),
    session: idOf(session),
    client: typeof session?.client_id === 'string' ? [session.client_id] : [],
    jwt_template: idOf(template),
    jwt_template_name: typeof template?.name === 'string' ? [template.name] : [],
    role: listIds(await bapi('GET', '/organization_roles')),
    permission: listIds(await bapi('GET', '/organization_permissions')),
    identifier: idOf(identifier),
  } satisfies IdPool);
}

/**
 * A fresh user signed in through a fresh browser, the way clerk-js does it, with an organization
 * they administer, an invitation to another one, a domain, and an abandoned sign-up on the client.
 */
async function refillFapiIds(): Promise<void> {
  const tag = fresh();
  const email = `fapi.${tag}@example.com`;
  const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
  const inviter = await t.clerk.users.createUser({ emailAddress: [`fapi.inviter.${tag}@example.com`], password: PASSWORD });
  browser = new FapiBrowser(t.url);
  // Started before signing in: a signed-in client may refuse a sign-up.
  const signUp = await browser.call('POST', '/client/sign_ups', { email_address: `fapi.signup.${tag}@example.com` });
  const signIn = await browser.call('POST', '/client/sign_ins', { identifier: email, password: PASSWORD, strategy: 'password' });
  expect(signIn.status, 'fixture sign-in').toBe(200);
  const client = signIn.body.client as ClientJSON;
  const org = await t.clerk.organizations.createOrganization({ name: `Fapi ${tag}`, createdBy: user.id });
  const otherOrg = await t.clerk.organizations.createOrganization({ name: `Other ${tag}`, createdBy: inviter.id });
  const invitation = await bapi('POST', `/organizations/${otherOrg.id}/invitations`, { email_address: email, role: 'org:member', inviter_user_id: inviter.id });
  const domain = await bapi('POST', `/organizations/${org.id}/domains`, { name: `fapi-${tag}.example.com`, enrollment_mode: 'manual_invitation', verified: false });
  Object.assign(fapiIds, {
    user: [user.id],
    session: client.last_active_session_id ? [client.last_active_session_id] : [],
    client: [client.id],
    sign_in: [(signIn.body.response as SignInJSON).id],
    sign_up: signUp.status === 200 ? idOf(signUp.body.response as Record<string, unknown>) : [],
    email: user.emailAddresses.map((e) => e.id),
    phone: user.phoneNumbers.map((p) => p.id),
    organization: [org.id, otherOrg.id],
    invitation: idOf(invitation),
    domain: idOf(domain),
  } satisfies IdPool);
}

/** Whether the fuzzed browser is still signed in (the operation may have signed it out, deleted the user…). */
async function fapiStillSignedIn(): Promise<boolean> {
  const me = await browser.call('GET', '/me');
  return me.status === 200;
}

/** Operations that may take the fixtures away (delete, revoke, ban, lock…), after which they are rebuilt. */
function mayDestroy(op: SpecOperation): boolean {
  return op.method === 'DELETE' || /\/(revoke|ban|lock|remove_password|reject|merge|end|remove)(\/|$)/.test(op.path);
}

// ---------------------------------------------------------------------------------------------
// One request on the wire, and the judgement of its reply
// ---------------------------------------------------------------------------------------------

interface Wire {
  url: string;
  init: RequestInit & { headers: Record<string, string> };
}

function toWire(api: Api, req: FuzzRequest): Wire {
  const prefix = api === 'bapi' ? (req.path.startsWith('/v1/') ? '' : '/v1') : '/fapi';
  const query: [string, string][] = api === 'fapi' ? [['__clerk_api_version', '2025-11-10'], ['_clerk_js_version', '6.40.0'], ...req.query] : req.query;
  const url = `${t.url}${prefix}${req.path}${query.length > 0 ? `?${formEncode(query)}` : ''}`;
  const headers: Record<string, string> = Object.fromEntries(req.headers);
  const origin = t.url;
  switch (req.credentials) {
    case 'secret-key':
      headers.authorization = `Bearer ${t.secretKey}`;
      break;
    case 'bogus-key':
      headers.authorization = `Bearer sk_test_${'x'.repeat(48)}`;
      break;
    case 'no-key':
      break;
    case 'browser':
      Object.assign(headers, { cookie: browser.cookieHeader(), origin });
      break;
    case 'no-cookie':
      headers.origin = origin;
      break;
    case 'garbage-cookie':
      Object.assign(headers, { cookie: '__client=garbage; __session=eyJhbGciOiJub25lIn0.e30.; __client_uat=-1; __client=second', origin });
      break;
    case 'no-origin':
      headers.cookie = browser.cookieHeader();
      break;
    case 'foreign-origin':
      Object.assign(headers, { cookie: browser.cookieHeader(), origin: 'https://evil.example' });
      break;
    case 'bearer-garbage':
      Object.assign(headers, { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c2VyXzEifQ.', origin });
      break;
  }
  const body = req.body;
  let payload: RequestInit['body'];
  switch (body.kind) {
    case 'none':
      break;
    case 'json':
      payload = JSON.stringify(body.value) ?? '';
      break;
    case 'form':
      payload = formEncode(body.fields);
      break;
    case 'text':
      payload = body.text;
      break;
    case 'bytes':
      payload = Buffer.from(body.bytes);
      break;
    case 'multipart': {
      const form = new FormData();
      for (const [k, v] of body.fields) form.append(k, v);
      if (body.file) form.append('file', new Blob([Buffer.from(body.file.bytes)], { type: body.file.type }), body.file.name);
      payload = form;
      break;
    }
  }
  if (body.kind !== 'multipart' && body.contentType !== undefined) headers['content-type'] = body.contentType;
  return { url, init: { method: req.method, headers, redirect: 'manual', ...(payload !== undefined ? { body: payload } : {}) } };
}

/** Long runs (100k-character strings) shortened, so a reproduction fits on a screen. */
function squeeze(text: string, max = 400): string {
  const runs = text.replace(/(.)\1{31,}/gsu, (run, c: string) => `${c}⟨×${[...run].length}⟩`).replace(/((?:%[0-9A-F]{2}){1,4})\1{15,}/g, (run, unit: string) => `${unit}⟨×${run.length / unit.length}⟩`);
  return runs.length > max ? `${runs.slice(0, max)}…⟨${runs.length} chars⟩` : runs;
}

function describeWire(wire: Wire, req: FuzzRequest): string {
  const headers = Object.fromEntries(Object.entries(wire.init.headers).map(([k, v]) => [k, k === 'cookie' && req.credentials !== 'garbage-cookie' ? '<signed-in browser cookies>' : k === 'authorization' && req.credentials === 'secret-key' ? 'Bearer <secret key>' : v]));
  const b = req.body;
  const body =
    b.kind === 'none' ? '(none)'
    : b.kind === 'json' ? `${b.contentType} ${squeeze(JSON.stringify(b.value) ?? '')}`
    : b.kind === 'form' ? `${b.contentType} ${squeeze(formEncode(b.fields))}`
    : b.kind === 'text' ? `${b.contentType ?? '(no content-type)'} ${squeeze(b.text)}`
    : b.kind === 'bytes' ? `${b.contentType ?? '(no content-type)'} bytes [${b.bytes.join(',')}]`
    : `multipart fields ${JSON.stringify(b.fields.map(([k, v]) => [k, squeeze(v, 80)]))}${b.file ? ` + file ${b.file.type}` : ''}`;
  return `${wire.init.method} ${squeeze(wire.url.replace(t.url, ''), 600)}\n    headers: ${JSON.stringify(headers)}\n    body: ${body}`;
}

async function healthy(): Promise<boolean> {
  try {
    return (await fetch(`${t.url}/healthz`, { signal: AbortSignal.timeout(10_000) })).status === 200;
  } catch {
    return false;
  }
}

/** Requests sent per operation key, to show every operation was exercised. */
const sent = new Map<string, number>();
/** Reply statuses per API, and operations whose handlers got as far as an answer of their own (2xx, 3xx, 409, 422). */
const statuses: Record<Api, Map<number, number>> = { bapi: new Map(), fapi: new Map() };
const reached = new Set<string>();

/** Sends one fuzzed request; a string says what was wrong with the reply (with a reproduction). */
async function exchange(op: SpecOperation, req: FuzzRequest): Promise<string | undefined> {
  const wire = toWire(op.api, req);
  sent.set(`${op.api} ${op.key}`, (sent.get(`${op.api} ${op.key}`) ?? 0) + 1);
  let response: Response;
  let text: string;
  try {
    response = await fetch(wire.url, { ...wire.init, signal: AbortSignal.timeout(30_000) });
    text = await response.text();
  } catch (error) {
    const alive = await healthy();
    return `${alive ? 'no reply (connection failed, server alive)' : 'SERVER DOWN'}: ${String(error)}\n    request: ${describeWire(wire, req)}`;
  }
  if (op.api === 'fapi') browser.keepCookies(response.headers); // as a browser would: the session may rotate
  const status = response.status;
  statuses[op.api].set(status, (statuses[op.api].get(status) ?? 0) + 1);
  if (status < 400 || status === 409 || status === 422) reached.add(`${op.api} ${op.key}`);
  const notEnvelope = status >= 400 && status < 500 ? clerkEnvelopeProblem(text) : undefined;
  const problem = status >= 500 ? `server error ${status}` : notEnvelope && `4xx that is not Clerk's envelope (${notEnvelope})`;
  if (!problem) return undefined;
  return `${problem}\n    request: ${describeWire(wire, req)}\n    reply: ${status} ${response.headers.get('content-type') ?? '(no content-type)'} ${squeeze(text, REPLY_SHOWN)}`;
}

/** FNV-1a: a stable per-operation seed, so adding an operation to a spec does not reshuffle the others. */
function seedFor(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash ^ SEED) >>> 0;
}

interface Outcome {
  bugs: string[];
  specMismatches: string[];
}

/** Fuzzes every operation of a spec in order, rebuilding fixtures after operations that may have destroyed them. */
async function fuzzSpec(spec: LoadedSpec, pool: IdPool, afterOperation: (op: SpecOperation) => Promise<void>): Promise<Outcome> {
  const bugs: string[] = [];
  const specMismatches: string[] = [];
  for (const op of spec.operations) {
    const property = fc.asyncProperty(requestArbitrary(op, { doc: spec.doc, pool }), async (req) => {
      const problem = await exchange(op, req);
      if (problem) throw new Error(problem);
    });
    const result = await fc.check(property, { seed: seedFor(op.key), numRuns: RUNS });
    if (result.failed) {
      const error = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
      bugs.push(`${op.api.toUpperCase()} ${op.key} (seed ${seedFor(op.key)}, ${result.numShrinks} shrinks): ${error}`);
    }
    await afterOperation(op);
    // The reply watch (support/reply-watch.ts) checks FAPI replies against Clerk's spec; fuzzed
    // input yields statuses the spec does not document. Collected here and counted, not failed on.
    specMismatches.push(...takeFindings());
  }
  return { bugs, specMismatches };
}

function report(label: string, spec: LoadedSpec, pool: IdPool, outcome: Outcome): void {
  const counts = spec.operations.map((op) => sent.get(`${op.api} ${op.key}`) ?? 0);
  const ids = Object.entries(pool).map(([kind, list]) => `${kind} ${list.length}`).join(', ');
  console.info(
    `[api-fuzz] ${label}: ${spec.operations.length} operations, ${counts.reduce((a, b) => a + b, 0)} requests (seed ${SEED}, ${RUNS} runs each), ` +
      `${outcome.bugs.length} failing operations, ${outcome.specMismatches.length} FAPI spec mismatches reported by the reply watch; ` +
      `${spec.operations.filter((op) => reached.has(`${op.api} ${op.key}`)).length} operations reached their handlers' own answers (2xx/3xx/409/422); ` +
      `statuses ${JSON.stringify(Object.fromEntries([...statuses[spec.operations[0]!.api]].sort(([a], [b]) => a - b)))}; ` +
      `fewest requests to one operation ${Math.min(...counts)}; real ids at the end: ${ids}`,
  );
  if (outcome.specMismatches.length > 0) console.info(`[api-fuzz] first spec mismatches:\n${outcome.specMismatches.slice(0, 5).map((f) => f.split('\n').slice(0, 3).join('\n')).join('\n')}`);
  // No operation is skipped: each got its runs (fewer only when a failure stopped and shrank it).
  for (const op of spec.operations) expect(sent.get(`${op.api} ${op.key}`) ?? 0, `${op.key} was not exercised`).toBeGreaterThanOrEqual(1);
  // Whatever else the fuzzed requests did, none may put private metadata in a Frontend API reply or a token.
  expect(outcome.specMismatches.filter((f) => f.includes('private metadata'))).toEqual([]);
  expect(outcome.bugs, `${label}: replies that were 5xx, or 4xx without Clerk's error envelope`).toEqual([]);
}

// ---------------------------------------------------------------------------------------------

describe("fuzzing every operation of Clerk's Backend and Frontend API specs", { timeout: 600_000 }, () => {
  beforeAll(async () => {
    t = await startTestServer();
    settings = await readInstanceSettings(t.server.ctx);
    await refillBapiIds();
    await refillFapiIds();
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it("covers exactly the operations of Clerk's specs", () => {
    // The loaders of support/clerk-spec.ts see the same operations this suite generates for.
    for (const op of bapiSpec.operations) expect(hasOperation(op.method, op.path), op.key).toBe(true);
    for (const op of fapiSpecOps.operations) expect(fapiSpec.hasOperation(op.method, op.path), op.key).toBe(true);
    const listed = (list: { method: string; pathTemplate: string }[]): number => new Set(list.map((r) => `${r.method} ${r.pathTemplate}`)).size;
    expect(bapiSpec.operations.length).toBe(listed(listResponses()));
    expect(fapiSpecOps.operations.length).toBe(listed(fapiSpec.listResponses()));
  });

  // Found by this fuzz: a multipart body cannot be split without its boundary, and the parser's
  // error must not reach the client as an internal one. Pinned, whatever the seed and run count.
  it('answers an upload whose multipart Content-Type has no boundary with a 4xx envelope, not a 500', async () => {
    const fapiQuery = '__clerk_api_version=2025-11-10&_clerk_js_version=6.40.0';
    const uploads: [string, string, Record<string, string>][] = [
      ['POST', `/v1/users/${bapiIds.user![0]}/profile_image`, { authorization: `Bearer ${t.secretKey}` }],
      ['PUT', `/v1/organizations/${bapiIds.organization![0]}/logo`, { authorization: `Bearer ${t.secretKey}` }],
      ['POST', `/fapi/v1/me/profile_image?${fapiQuery}`, { cookie: browser.cookieHeader(), origin: t.url }],
      ['POST', `/fapi/v1/organizations/${fapiIds.organization![0]}/logo?_method=PUT&${fapiQuery}`, { cookie: browser.cookieHeader(), origin: t.url }],
    ];
    const problems: string[] = [];
    for (const [method, path, headers] of uploads) {
      const reply = await fetch(`${t.url}${path}`, { method, headers: { ...headers, 'content-type': 'multipart/form-data' } });
      const text = await reply.text();
      const problem = reply.status >= 500 ? `server error ${reply.status}` : reply.status >= 400 ? clerkEnvelopeProblem(text) : `not refused (${reply.status})`;
      if (problem) problems.push(`${method} ${path} (Content-Type: multipart/form-data, no body) -> ${problem}: ${text.slice(0, 200)}`);
    }
    expect(problems).toEqual([]);
  });

  it('Backend API: no 5xx, and every 4xx is an error envelope', async () => {
    const outcome = await fuzzSpec(bapiSpec, bapiIds, async (op) => {
      // Instance-wide settings (restrictions, organizations on/off) are put back, or one fuzzed
      // PATCH would turn every later operation into the same refusal.
      if (op.path.startsWith('/instance') || op.path.startsWith('/beta_features')) await updateInstanceSettings(t.server.ctx, settings);
      if (mayDestroy(op)) await refillBapiIds();
    });
    report('Backend API', bapiSpec, bapiIds, outcome);
    expect(await healthy()).toBe(true);
  });

  it('Frontend API (a signed-in browser, as clerk-js calls it): no 5xx, and every 4xx is an error envelope', async () => {
    const outcome = await fuzzSpec(fapiSpecOps, fapiIds, async () => {
      // Any operation may sign the browser out or delete its user (DELETE /v1/me, /v1/client,
      // a session's end/remove…, a password change): then a new user signs in on a new browser.
      if (!(await fapiStillSignedIn())) await refillFapiIds();
    });
    report('Frontend API', fapiSpecOps, fapiIds, outcome);
    expect(await healthy()).toBe(true);
  });

  it('still serves and still creates users after the fuzzing', async () => {
    expect(await healthy()).toBe(true);
    const created = await t.request('POST', '/v1/users', { body: { email_address: [`after.fuzz.${fresh()}@example.com`], password: PASSWORD } });
    expect(created.status, created.text).toBe(200);
    const fetched = await t.request('GET', `/v1/users/${(created.body as { id: string }).id}`);
    expect(fetched.status).toBe(200);
  });
});
