/**
 * Request generators for fuzzing every operation of Clerk's OpenAPI specs (test/security/api-fuzz.test.ts):
 * each operation's parameters and request body become fast-check arbitraries, derived from the
 * spec's schemas and mixed with hostile values — huge strings, deep nesting, odd Unicode, NUL
 * bytes, wrong types, duplicate parameters, wrong content types — plus the check that an error
 * reply is Clerk's envelope.
 */
import fs from 'node:fs';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { clerkOpenApiPath, type ClerkOpenApiFile } from './clerk-openapi-files.js';

type Json = Record<string, unknown>;
export type Api = 'bapi' | 'fapi';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** Deepest schema nesting followed; Clerk's specs recurse (metadata, nested roles). */
const MAX_SCHEMA_DEPTH = 5;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// The spec's operations
// ---------------------------------------------------------------------------------------------

export interface SpecParameter {
  name: string;
  in: string;
  required: boolean;
  schema: unknown;
}

export interface SpecOperation {
  api: Api;
  method: HttpMethod;
  /** The path as the spec writes it (`/users/{user_id}` for BAPI, `/v1/me` for FAPI). */
  path: string;
  /** `METHOD path`: how failures and coverage name the operation. */
  key: string;
  parameters: SpecParameter[];
  /** Request body media types in the spec's order, each with its schema. */
  body: { contentType: string; schema: unknown }[];
}

export interface LoadedSpec {
  doc: Json;
  operations: SpecOperation[];
}

/** Every operation of one of Clerk's specs, with `$ref`ed parameters and bodies resolved. */
export function loadSpecOperations(file: ClerkOpenApiFile, api: Api): LoadedSpec {
  const raw: unknown = parseYaml(fs.readFileSync(clerkOpenApiPath(file), 'utf8'));
  if (!isRecord(raw) || !isRecord(raw.paths)) throw new Error(`${file} has no paths`);
  const doc = raw;
  const operations: SpecOperation[] = [];
  for (const [path, item] of Object.entries(raw.paths)) {
    if (!isRecord(item)) continue;
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      const op = item[method.toLowerCase()];
      if (!isRecord(op)) continue;
      const own = Array.isArray(op.parameters) ? op.parameters : [];
      const parameters = [...shared, ...own]
        .map((p) => resolveRef(doc, p))
        .filter(isRecord)
        .map((p) => ({ name: String(p.name), in: String(p.in), required: p.required === true, schema: p.schema }));
      const requestBody = resolveRef(doc, op.requestBody);
      const content = isRecord(requestBody) && isRecord(requestBody.content) ? requestBody.content : {};
      const body = Object.entries(content).map(([contentType, media]) => ({ contentType, schema: isRecord(media) ? media.schema : undefined }));
      operations.push({ api, method, path, key: `${method} ${path}`, parameters, body });
    }
  }
  return { doc, operations };
}

/** Follows local `$ref`s (bounded, in case of a cycle). */
export function resolveRef(doc: Json, node: unknown): unknown {
  let current = node;
  for (let hops = 0; isRecord(current) && typeof current.$ref === 'string' && hops < 10; hops++) {
    let target: unknown = doc;
    for (const token of current.$ref.replace(/^#\//, '').split('/')) {
      const key = token.replace(/~1/g, '/').replace(/~0/g, '~');
      target = isRecord(target) ? target[key] : undefined;
    }
    current = target;
  }
  return current;
}

// ---------------------------------------------------------------------------------------------
// Hostile values
// ---------------------------------------------------------------------------------------------

const HUGE = 100_000;

/** Strings no handler should choke on: sizes, encodings and characters that break naive code. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  'A'.repeat(HUGE),
  'é'.repeat(HUGE / 2),
  '😀'.repeat(HUGE / 4),
  'a\u0000b',
  '\u0000',
  'x'.repeat(257), // one past Fastify's maxParamLength (256) as a path id
  '\u202Egnp.exe', // right-to-left override
  'مرحبا بالعالم', // right-to-left script
  'Z\u0351\u0358\u0304\u0359\u035a\u0325\u0319a\u0300\u0301\u0302\u0303lgo', // stacked combining marks
  '👩‍👩‍👧‍👦🏳️‍🌈',
  '\uD800', // lone high surrogate: JSON escapes it, URLs carry its WTF-8 bytes
  'x\uDFFFy', // lone low surrogate
  '\uFEFF\u200B\u2028\u2029',
  '\r\nSet-Cookie: injected=1',
  "' OR '1'='1' --",
  '"; DROP TABLE users; --',
  '../../../../etc/passwd',
  '%00',
  '%',
  '%zz',
  '<script>alert(1)</script>',
  '${jndi:ldap://127.0.0.1/a}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  '9'.repeat(400),
  '[object Object]',
  'user_2aZXfuzzfuzzfuzzfuzzfuzz0',
  'org_0',
  'sess_' + 'A'.repeat(27),
];

/** A value whose type is wrong wherever a schema asks for something specific. */
export const WRONG_TYPES: readonly unknown[] = [
  null,
  0,
  -1,
  1.5,
  1e308,
  -0,
  Number.MAX_SAFE_INTEGER + 2,
  true,
  false,
  [],
  [[]],
  ['a', 'b'],
  [null],
  {},
  { a: 1 },
  { '': { '': [] } },
];

/** `{"a":{"a":…1…}}` `depth` levels deep, built iteratively (a recursive stringify would overflow first). */
export function deepObjectText(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

export function deepArrayText(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** A value nested `depth` levels, for JSON fields (JSON.stringify copes with a few thousand). */
function deepValue(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

const DEEP_1000 = deepValue(1000);

const hostileString = fc.constantFrom(...HOSTILE_STRINGS);
/** A leaf value of any wrong shape: hostile text, a wrong type, or a 1000-deep structure. */
const hostileLeaf: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileString, weight: 4 },
  { arbitrary: fc.constantFrom(...WRONG_TYPES), weight: 3 },
  { arbitrary: fc.constant(DEEP_1000), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 12 }), weight: 1 },
);

/** Whole bodies that are not what any operation expects. */
const HOSTILE_JSON_TEXTS: readonly string[] = [
  deepArrayText(1_000),
  deepObjectText(1_500),
  deepArrayText(100_000),
  'null',
  '0',
  '"a string"',
  '[]',
  '[{"a":1}]',
  'true',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
  '{"a":1,"a":2}',
  `{"k":"${'A'.repeat(HUGE)}"}`,
  '{"\\u0000":"\\u0000","\\ud800":"\\udfff"}',
  '{',
  '{"a":',
  '\u0000',
  '',
  '1e999999',
  '{"a":' + '9'.repeat(10_000) + '}',
];

// ---------------------------------------------------------------------------------------------
// Wire encoding
// ---------------------------------------------------------------------------------------------

/**
 * `encodeURIComponent` that also takes lone surrogates (which it throws on): they become their
 * WTF-8 bytes, the way a buggy client would send them.
 */
export function percentEncode(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    const isHigh = unit >= 0xd800 && unit <= 0xdbff;
    const next = value.charCodeAt(i + 1);
    if (isHigh && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(value.slice(i, i + 2));
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      const bytes = [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)];
      out += bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(value[i]!);
    }
  }
  return out;
}

export function formEncode(fields: readonly (readonly [string, string])[]): string {
  return fields.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&');
}

/** A value as a form field's text: what clerk-js does (arrays repeat the field, objects go as JSON). */
function formFields(name: string, value: unknown): [string, string][] {
  if (Array.isArray(value)) return value.flatMap((v) => formFields(name, v));
  if (value === null || value === undefined) return [[name, '']];
  if (typeof value === 'object') return [[name, JSON.stringify(value)]];
  return [[name, String(value)]];
}

export function toFormFields(value: unknown): [string, string][] {
  if (!isRecord(value)) return formFields('value', value);
  return Object.entries(value).flatMap(([k, v]) => formFields(k, v));
}

// ---------------------------------------------------------------------------------------------
// Real ids: handlers only go deeper than a 404 when an id exists
// ---------------------------------------------------------------------------------------------

/** The kind of id a parameter or field names (`organizationID`, `_clerk_session_id`, `created_by`…). */
export function idKind(name: string): string | undefined {
  const snake = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/^_+(clerk_)?/, '');
  const aliases: Record<string, string> = {
    user_id: 'user',
    created_by: 'user',
    inviter_user_id: 'user',
    organization_id: 'organization',
    session_id: 'session',
    client_id: 'client',
    sign_in_id: 'sign_in',
    sign_up_id: 'sign_up',
    email_address_id: 'email',
    email_id: 'email',
    primary_email_address_id: 'email',
    phone_number_id: 'phone',
    primary_phone_number_id: 'phone',
    invitation_id: 'invitation',
    domain_id: 'domain',
    template_id: 'jwt_template',
    template_name: 'jwt_template_name',
    organization_role_id: 'role',
    permission_id: 'permission',
    identifier_id: 'identifier',
    id: 'any',
  };
  return aliases[snake];
}

export type IdPool = Record<string, string[]>;

/** Picks a real id of `kind` (any kind for `any`) from the pool as it is when the value is generated. */
function realId(pool: IdPool, kind: string): fc.Arbitrary<string> {
  return fc.nat().map((n) => {
    const ids = kind === 'any' ? Object.values(pool).flat() : (pool[kind] ?? []);
    return ids.length > 0 ? ids[n % ids.length]! : `${kind}_missing`;
  });
}

// ---------------------------------------------------------------------------------------------
// Schemas to arbitraries
// ---------------------------------------------------------------------------------------------

export interface SchemaOptions {
  doc: Json;
  pool: IdPool;
  /** Mix hostile values into every leaf. */
  hostile: boolean;
}

/** Plausible text for a field by its name, so that validation passes often enough to go deeper. */
function plausibleString(name: string, format: unknown): fc.Arbitrary<string> {
  const n = name.toLowerCase();
  if (format === 'email' || /email|identifier/.test(n)) return fc.nat(9_999).map((i) => `fuzz${i}@example.com`);
  if (/phone/.test(n)) return fc.nat(9_999).map((i) => `+1415555${String(i).padStart(4, '0')}`);
  if (/password/.test(n)) return fc.constantFrom('correct horse battery staple 42', 'short', 'password');
  if (/username/.test(n)) return fc.nat(9_999).map((i) => `fuzz_user_${i}`);
  if (/code/.test(n)) return fc.constantFrom('424242', '000000', '123456');
  if (format === 'date-time') return fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => new Date(ms).toISOString());
  if (format === 'uri' || /url/.test(n)) return fc.constantFrom('http://127.0.0.1/cb', 'https://example.com/x', 'javascript:alert(1)');
  return fc.string({ maxLength: 24 });
}

/** Merges `allOf` branches into one object schema (properties and required lists). */
function mergeAllOf(doc: Json, branches: unknown[]): Json {
  const properties: Json = {};
  const required: string[] = [];
  for (const raw of branches) {
    const branch = resolveRef(doc, raw);
    if (!isRecord(branch)) continue;
    const inner = Array.isArray(branch.allOf) ? mergeAllOf(doc, branch.allOf) : branch;
    if (isRecord(inner.properties)) Object.assign(properties, inner.properties);
    if (Array.isArray(inner.required)) required.push(...inner.required.filter((r): r is string => typeof r === 'string'));
  }
  return { type: 'object', properties, required };
}

/** Values for `schema`; `name` is the field or parameter it is for (to place real ids and plausible text). */
export function schemaArbitrary(schema: unknown, options: SchemaOptions, name = '', depth = 0): fc.Arbitrary<unknown> {
  const plain = plainSchemaArbitrary(schema, options, name, depth);
  return options.hostile ? fc.oneof({ arbitrary: plain, weight: 3 }, { arbitrary: hostileLeaf, weight: 1 }) : plain;
}

function plainSchemaArbitrary(raw: unknown, options: SchemaOptions, name: string, depth: number): fc.Arbitrary<unknown> {
  const schema = resolveRef(options.doc, raw);
  if (!isRecord(schema) || depth > MAX_SCHEMA_DEPTH) return fc.jsonValue({ maxDepth: 1 });
  const kind = idKind(name);
  const typeOf = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;

  if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.constantFrom(...(schema.enum as unknown[]));
  if (Array.isArray(schema.allOf)) return plainSchemaArbitrary(mergeAllOf(options.doc, schema.allOf), options, name, depth + 1);
  const union = Array.isArray(schema.oneOf) ? schema.oneOf : Array.isArray(schema.anyOf) ? schema.anyOf : undefined;
  if (union && union.length > 0) return fc.oneof(...union.slice(0, 6).map((b) => schemaArbitrary(b, options, name, depth + 1)));

  if (typeOf === 'array' || schema.items !== undefined) {
    return fc.array(schemaArbitrary(schema.items, options, name, depth + 1), { maxLength: 3 });
  }
  if (typeOf === 'object' || isRecord(schema.properties)) {
    const properties = isRecord(schema.properties) ? schema.properties : {};
    const names = Object.keys(properties);
    if (names.length === 0) {
      return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
    }
    const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string' && names.includes(r)) : [];
    const model = Object.fromEntries(names.map((p) => [p, schemaArbitrary(properties[p], options, p, depth + 1)]));
    if (options.hostile) return fc.record(model, { requiredKeys: required });
    // Clean values carry the required fields and at most two optional ones: with every optional
    // field at random, one of them nearly always fails validation and the handler's logic never runs.
    const optional = names.filter((p) => !required.includes(p));
    return fc.subarray(optional, { maxLength: Math.min(2, optional.length) }).chain((picked) => fc.record(Object.fromEntries([...required, ...picked].map((p) => [p, model[p]!]))));
  }
  if (typeOf === 'integer') {
    const min = typeof schema.minimum === 'number' ? schema.minimum : -5;
    const max = typeof schema.maximum === 'number' ? schema.maximum : 600;
    return fc.integer({ min: Math.min(min, max), max: Math.max(min, max) });
  }
  if (typeOf === 'number') return fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
  if (typeOf === 'boolean') return fc.boolean();
  if (typeOf === 'string' || kind !== undefined) {
    const text = plausibleString(name, schema.format);
    return kind ? fc.oneof({ arbitrary: realId(options.pool, kind), weight: 2 }, { arbitrary: text, weight: 1 }) : text;
  }
  return fc.jsonValue({ maxDepth: 2 });
}

// ---------------------------------------------------------------------------------------------
// Whole requests
// ---------------------------------------------------------------------------------------------

/** Who the request claims to be: BAPI's secret key (or a wrong one), FAPI's browser (or a broken one). */
export type Credentials =
  | 'secret-key'
  | 'no-key'
  | 'bogus-key'
  | 'browser'
  | 'no-cookie'
  | 'garbage-cookie'
  | 'no-origin'
  | 'foreign-origin'
  | 'bearer-garbage';

export type FuzzBody =
  | { kind: 'none'; contentType?: string }
  | { kind: 'json'; value: unknown; contentType: string }
  | { kind: 'form'; fields: [string, string][]; contentType: string }
  | { kind: 'text'; text: string; contentType?: string }
  | { kind: 'bytes'; bytes: number[]; contentType?: string }
  | { kind: 'multipart'; fields: [string, string][]; file?: { bytes: number[]; type: string; name: string } };

export interface FuzzRequest {
  /** The method on the wire (FAPI sends PATCH/PUT/DELETE as POST `?_method=`). */
  method: string;
  /** Percent-encoded path below the API's prefix (`/users/user_…`, `/v1/me`). */
  path: string;
  /** Query fields, unencoded; repeated names are sent repeated. */
  query: [string, string][];
  /** The operation's own header parameters (FAPI's `Clerk-Proxy-Url`, `X-Forwarded-For`…), when sent. */
  headers: [string, string][];
  credentials: Credentials;
  body: FuzzBody;
}

const CONTENT_TYPES = [
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data',
  'multipart/form-data; boundary=fuzz',
  'application/xml',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/octet-stream',
  'application/x-www-form-urlencoded; charset=iso-8859-1',
  'application/json, text/html',
  '*/*',
] as const;

const IMAGE_BYTES = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52];

/**
 * `value` with its `n`th leaf (depth-first, modulo their number) replaced by `replacement`: one bad
 * field in an otherwise valid body, so the bad value gets past validation of the others. Copies
 * along the path (fast-check may hand the same generated value out again).
 */
export function spikeLeaf(value: unknown, n: number, replacement: unknown): unknown {
  const leaves: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]): void => {
    const children: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : isRecord(v) ? Object.entries(v) : [];
    if (children.length === 0) leaves.push(path);
    for (const [k, x] of children) walk(x, [...path, k]);
  };
  walk(value, []);
  const target = leaves[n % leaves.length]!;
  if (target.length === 0) return isRecord(value) || Array.isArray(value) ? value : replacement;
  const setAt = (v: unknown, path: (string | number)[]): unknown => {
    const [head, ...rest] = path;
    if (head === undefined) return replacement;
    if (Array.isArray(v)) return v.map((x, i) => (i === head ? setAt(x, rest) : x));
    if (isRecord(v)) return { ...v, [head]: setAt(v[head], rest) };
    return replacement;
  };
  return setAt(value, target);
}

/** What one spiked leaf becomes: mostly hostile text (type-correct for string fields), else a wrong type. */
const singleSpike: fc.Arbitrary<unknown> = fc.oneof({ arbitrary: hostileString, weight: 4 }, { arbitrary: fc.constantFrom(...WRONG_TYPES), weight: 1 }, { arbitrary: fc.constant(DEEP_1000), weight: 1 });

/** Hostile strings short enough for a URL: a 100k-character one makes the whole request a 431. */
const urlSizedHostileString = fc.constantFrom(...HOSTILE_STRINGS.filter((h) => h.length <= 1_000));
const urlHostileString = fc.oneof({ arbitrary: urlSizedHostileString, weight: 9 }, { arbitrary: hostileString, weight: 1 });

/** A path parameter: a real id (often), a plausible one, or (hostile) a wrong or malformed one; encoded for the URL. */
function pathSegment(name: string, schema: unknown, options: SchemaOptions): fc.Arbitrary<string> {
  const kind = idKind(name) ?? 'any';
  const real = realId(options.pool, kind).map(percentEncode);
  const plausible = plainSchemaArbitrary(schema, { ...options, hostile: false }, '', 0).map((v) => percentEncode(String(v)));
  if (!options.hostile) return fc.oneof({ arbitrary: real, weight: 4 }, { arbitrary: plausible, weight: 1 });
  return fc.oneof(
    { arbitrary: real, weight: 4 },
    { arbitrary: realId(options.pool, 'any').map(percentEncode), weight: 1 }, // an id of the wrong kind
    { arbitrary: plausible, weight: 1 },
    { arbitrary: urlHostileString.map(percentEncode), weight: 3 },
    // Unencoded: dot segments, stray and invalid percent-escapes, an encoded slash and NUL.
    { arbitrary: fc.constantFrom('..', '.', '%2e%2e', '%2F', '%00', '%', '%E0%A4%A', '%C0%AE', 'a%2Fb', '%ED%A0%80'), weight: 1 },
  );
}

function queryValues(name: string, schema: unknown, options: SchemaOptions): fc.Arbitrary<[string, string][]> {
  return schemaArbitrary(schema, options, name).map((value) => formFields(name, value));
}

/** The query: some of the spec's parameters and, when hostile, repeated ones and stray or hostile names. */
function queryArbitrary(op: SpecOperation, options: SchemaOptions): fc.Arbitrary<[string, string][]> {
  const params = op.parameters.filter((p) => p.in === 'query');
  const perParam = params.map((p) => fc.option(queryValues(p.name, p.schema, options), { freq: p.required ? 10 : 2, nil: [] }));
  if (!options.hostile) return fc.tuple(...perParam).map((values) => values.flat());
  const noPairs = fc.constant<[string, string][]>([]);
  const duplicate =
    params.length > 0
      ? fc.oneof(noPairs, fc.array(fc.tuple(fc.constantFrom(...params.map((p) => p.name)), urlHostileString), { minLength: 1, maxLength: 3 }))
      : noPairs;
  const stray = fc.oneof(
    noPairs,
    fc.array(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'a[b][c]', 'limit', 'offset', 'order_by', 'x'.repeat(300), '', '\u0000', 'emoji😀'), urlHostileString), {
      minLength: 1,
      maxLength: 2,
    }),
  );
  const cleanParams = params.map((p) => fc.option(queryValues(p.name, p.schema, { ...options, hostile: false }), { freq: p.required ? 10 : 2, nil: [] }));
  const oneSpiked = fc
    .tuple(fc.tuple(...cleanParams), fc.nat(), urlHostileString)
    .map(([values, n, bad]): [string, string][] => {
      const pairs = values.flat();
      return pairs.length === 0 ? pairs : pairs.map(([k, v], i): [string, string] => [k, i === n % pairs.length ? bad : v]);
    });
  const base = fc.oneof(fc.tuple(...perParam).map((values) => values.flat()), oneSpiked);
  return fc.tuple(base, duplicate, stray).map(([values, dup, extra]) => [...values, ...dup, ...extra]);
}

/**
 * A body. Clean: per the spec, in its own encoding. Hostile: per the spec with hostile leaves (in its
 * own or the other encoding), a hostile value, garbage under any content type, or none.
 */
function bodyArbitrary(op: SpecOperation, options: SchemaOptions): fc.Arbitrary<FuzzBody> {
  const declared = op.body[0];
  const nativeType = declared?.contentType ?? (op.api === 'fapi' ? 'application/x-www-form-urlencoded' : 'application/json');
  const schema = declared?.schema ?? { type: 'object', properties: {} };
  const encode = (value: unknown, contentType: string): FuzzBody => {
    if (contentType.startsWith('application/x-www-form-urlencoded')) return { kind: 'form', fields: toFormFields(value), contentType };
    if (contentType.startsWith('multipart/')) return { kind: 'multipart', fields: toFormFields(value), file: { bytes: IMAGE_BYTES, type: 'image/png', name: 'a.png' } };
    if (contentType === 'application/octet-stream') return { kind: 'bytes', bytes: IMAGE_BYTES, contentType };
    return { kind: 'json', value, contentType: 'application/json' };
  };
  const hasBody = declared !== undefined;
  if (!options.hostile) {
    const valid = schemaArbitrary(schema, options).map((v) => encode(v, nativeType));
    return hasBody ? valid : fc.oneof(fc.constant<FuzzBody>({ kind: 'none' }), valid);
  }
  const spiked = schemaArbitrary(schema, options);
  const valid = schemaArbitrary(schema, { ...options, hostile: false });
  const otherType = nativeType.includes('json') ? 'application/x-www-form-urlencoded' : 'application/json';
  return fc.oneof(
    { arbitrary: fc.tuple(valid, fc.nat(), singleSpike).map(([v, n, bad]) => encode(spikeLeaf(v, n, bad), nativeType)), weight: hasBody ? 5 : 1 },
    { arbitrary: spiked.map((v) => encode(v, nativeType)), weight: hasBody ? 3 : 1 },
    { arbitrary: spiked.map((v) => encode(v, otherType)), weight: 2 },
    { arbitrary: hostileLeaf.map((v): FuzzBody => ({ kind: 'json', value: v, contentType: 'application/json' })), weight: 1 },
    { arbitrary: fc.constantFrom(...HOSTILE_JSON_TEXTS).map((text): FuzzBody => ({ kind: 'text', text, contentType: 'application/json' })), weight: 2 },
    {
      // The declared content type, malformed: no or a wrong multipart boundary, an odd charset, a broken payload.
      arbitrary: fc
        .tuple(fc.constantFrom(nativeType, `${nativeType}; boundary=zz`, `${nativeType}; charset=utf-16`, `${nativeType};;`), fc.constantFrom('', 'garbage', '--zz\r\n', '--zz--\r\n', '{', '&&=&'))
        .map(([contentType, text]): FuzzBody => (text === '' ? { kind: 'none', contentType } : { kind: 'text', text, contentType })),
      weight: 2,
    },
    {
      // Garbage under a random (or no) content type, including invalid UTF-8 and multipart without parts.
      arbitrary: fc.tuple(fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }), fc.uint8Array({ maxLength: 64 })).map(
        ([contentType, bytes]): FuzzBody => ({ kind: 'bytes', bytes: [...bytes, 0xed, 0xa0, 0x80, 0xff], ...(contentType ? { contentType } : {}) }),
      ),
      weight: 1,
    },
    {
      // Form bodies with hostile field names: 1000-deep brackets, repeats, NUL, thousands of fields.
      arbitrary: fc.constantFrom<[string, string][]>(
        [[`a${'[x]'.repeat(1000)}`, '1']],
        [['a', '1'], ['a', '2'], ['a', '3']],
        [['\u0000', '\u0000']],
        [['__proto__[admin]', 'true']],
        Array.from({ length: 2000 }, (_, i): [string, string] => [`k${i}`, 'v']),
      ).map((fields): FuzzBody => ({ kind: 'form', fields, contentType: 'application/x-www-form-urlencoded' })),
      weight: 1,
    },
    { arbitrary: fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }).map((contentType): FuzzBody => ({ kind: 'none', ...(contentType ? { contentType } : {}) })), weight: hasBody ? 1 : 3 },
  );
}

/** FAPI's method on the wire and its `_method`: usually what clerk-js sends, sometimes wrong. */
interface WireMethod {
  method: string;
  override: string[];
}

function fapiMethodArbitrary(op: SpecOperation): fc.Arbitrary<WireMethod> {
  const wrongOverrides = fc.constantFrom<string[]>(['GET'], ['get'], ['TRACE'], ['POST'], ['PATCH'], ['DELETE'], ['PUT'], ['patch'], [''], ['x'.repeat(1000)], ['DELETE\u0000'], ['PATCH', 'DELETE']);
  if (op.method === 'GET') {
    return fc.oneof(
      { arbitrary: fc.constant<WireMethod>({ method: 'GET', override: [] }), weight: 8 },
      { arbitrary: wrongOverrides.map((override) => ({ method: 'POST', override })), weight: 1 },
      { arbitrary: wrongOverrides.map((override) => ({ method: 'GET', override })), weight: 1 },
    );
  }
  const clerkJs: WireMethod = op.method === 'POST' ? { method: 'POST', override: [] } : { method: 'POST', override: [op.method] };
  return fc.oneof(
    { arbitrary: fc.constant(clerkJs), weight: 7 },
    { arbitrary: fc.constant<WireMethod>({ method: op.method, override: [] }), weight: 1 },
    { arbitrary: wrongOverrides.map((override) => ({ method: 'POST', override })), weight: 2 },
  );
}

/** Header values fetch can send (Latin-1, no CR, LF or NUL) that a header parameter should not trust. */
const HOSTILE_HEADER_VALUES = ['', 'null', 'https://evil.example', '127.0.0.1', '1.2.3.4, 10.0.0.1, ::1', `sk_test_${'x'.repeat(48)}`, '%00', '\u00e9\u00ff', 'x'.repeat(20_000)];

/** Hostile requests sometimes carry the operation's header parameters (Origin is the credentials' business). */
function headerArbitrary(op: SpecOperation, options: SchemaOptions): fc.Arbitrary<[string, string][]> {
  const params = op.parameters.filter((p) => p.in === 'header' && p.name.toLowerCase() !== 'origin');
  if (!options.hostile || params.length === 0) return fc.constant([]);
  const each = params.map((p) => fc.option(fc.constantFrom(...HOSTILE_HEADER_VALUES).map((v): [string, string] => [p.name.toLowerCase(), v]), { freq: 2, nil: undefined }));
  return fc.tuple(...each).map((list) => list.filter((h): h is [string, string] => h !== undefined));
}

function fillPath(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => values[name] ?? 'missing');
}

/**
 * Requests for one operation: clean ones (valid per the spec, real ids, proper credentials) that
 * reach the handlers' logic, and hostile ones, where anything may be wrong.
 */
export function requestArbitrary(op: SpecOperation, options: Omit<SchemaOptions, 'hostile'>): fc.Arbitrary<FuzzRequest> {
  return fc.oneof({ arbitrary: requestsOf(op, { ...options, hostile: false }), weight: 2 }, { arbitrary: requestsOf(op, { ...options, hostile: true }), weight: 3 });
}

function requestsOf(op: SpecOperation, options: SchemaOptions): fc.Arbitrary<FuzzRequest> {
  const pathNames = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const schemaOf = (name: string): unknown => op.parameters.find((p) => p.in === 'path' && p.name === name)?.schema ?? { type: 'string' };
  const pathArb = fc.record(Object.fromEntries(pathNames.map((n) => [n, pathSegment(n, schemaOf(n), options)]))) as fc.Arbitrary<Record<string, string>>;
  const proper: Credentials = op.api === 'bapi' ? 'secret-key' : 'browser';
  const wrong: Credentials[] = op.api === 'bapi' ? ['no-key', 'bogus-key'] : ['no-cookie', 'garbage-cookie', 'no-origin', 'foreign-origin', 'bearer-garbage'];
  const credentials = options.hostile ? fc.oneof({ arbitrary: fc.constant(proper), weight: 6 }, { arbitrary: fc.constantFrom(...wrong), weight: 1 }) : fc.constant(proper);
  const clerkJs: WireMethod = op.api === 'bapi' || op.method === 'GET' || op.method === 'POST' ? { method: op.method, override: [] } : { method: 'POST', override: [op.method] };
  const method = op.api === 'fapi' && options.hostile ? fapiMethodArbitrary(op) : fc.constant(clerkJs);
  return fc.record({ path: pathArb, query: queryArbitrary(op, options), headers: headerArbitrary(op, options), body: bodyArbitrary(op, options), credentials, method }).map(
    ({ path, query, headers, body, credentials: creds, method: m }) => ({
      method: m.method,
      path: fillPath(op.path, path),
      query: [...query, ...m.override.map((o): [string, string] => ['_method', o])],
      headers,
      credentials: creds,
      body: m.method === 'GET' ? { kind: 'none' } : body,
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// The error envelope
// ---------------------------------------------------------------------------------------------

/**
 * Why `text` is not Clerk's error envelope — `{ errors: [{ code, message, long_message, meta? }],
 * clerk_trace_id?, meta? }` (components/schemas/ClerkErrors) with at least one error — or
 * undefined when it is.
 */
export function clerkEnvelopeProblem(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'body is not JSON';
  }
  if (!isRecord(body)) return 'body is not a JSON object';
  const extra = Object.keys(body).filter((k) => !['errors', 'clerk_trace_id', 'meta'].includes(k));
  if (extra.length > 0) return `unexpected top-level keys: ${extra.join(', ')}`;
  if (body.clerk_trace_id !== undefined && typeof body.clerk_trace_id !== 'string') return 'clerk_trace_id is not a string';
  if (body.meta !== undefined && !isRecord(body.meta)) return 'meta is not an object';
  if (!Array.isArray(body.errors) || body.errors.length === 0) return 'errors is not a non-empty array';
  for (const error of body.errors as unknown[]) {
    if (!isRecord(error)) return 'an error is not an object';
    for (const field of ['code', 'message', 'long_message'] as const) {
      if (typeof error[field] !== 'string') return `errors[].${field} is not a string`;
    }
    if (error.meta !== undefined && !isRecord(error.meta)) return 'errors[].meta is not an object';
  }
  return undefined;
}
