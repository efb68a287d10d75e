/**
 * Validates HTTP replies against Clerk's Backend API OpenAPI 3.0.3 spec, so tests can
 * assert wire compatibility: an unknown field (where the spec closes the object) or a
 * missing required field fails.
 *
 * The spec is parsed once, normalised from OpenAPI 3.0 dialect into JSON Schema that
 * ajv (draft-07) understands, registered with ajv as a single document, and each
 * response schema is compiled lazily the first time it is needed.
 */
import fs from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { clerkOpenApiPath, type ClerkOpenApiFile } from './clerk-openapi-files.js';

const CLERK_ERRORS_POINTER = '/components/schemas/ClerkErrors';
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
/** Keys that only annotate a schema; a schema made of nothing else accepts any value. */
const ANNOTATION_KEYS = new Set(['description', 'example', 'deprecated', 'readOnly', 'writeOnly', 'default', 'title']);
/** Composition/enum keywords whose branches would reject `null` even when ajv's native `nullable` adds it to `type`. */
const NULL_REJECTING_KEYS = ['$ref', 'enum', 'allOf', 'anyOf', 'oneOf', 'not'] as const;
const MAX_ERRORS_SHOWN = 25;
const MAX_BODY_CHARS = 2_000;

type Json = Record<string, unknown>;
type Validator = (body: unknown) => true | ErrorObject[];

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ajv-formats is CommonJS; under NodeNext the default import is typed as the module
// object, but at runtime the plugin function carries itself as `.default` too.
const addFormats = addFormatsModule.default;


// ---------------------------------------------------------------------------
// OpenAPI 3.0 -> ajv normalisation
// ---------------------------------------------------------------------------

/**
 * Rewrites one schema node (children first) so ajv accepts it and so it means what
 * Clerk's API actually does. `formats` collects every `format` seen.
 */
function normalizeSchema(node: unknown, formats: Set<string>): unknown {
  if (!isRecord(node)) return node;
  const schema: Json = { ...node };

  for (const key of ['items', 'additionalProperties', 'not'] as const) {
    if (isRecord(schema[key])) schema[key] = normalizeSchema(schema[key], formats);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches)) schema[key] = branches.map((b) => normalizeSchema(b, formats));
  }
  if (isRecord(schema.properties)) {
    schema.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([name, sub]) => [name, normalizeSchema(sub, formats)]),
    );
  }
  if (typeof schema.format === 'string') formats.add(schema.format);

  // ajv's `discriminator` support rejects this spec: it does not support `mapping`
  // (EmailAddress.verification, PhoneNumber.verification) and needs the tag property to be
  // required in every branch (Web3Wallet.verification: verification_web3 does not require
  // `object`). Dropping it is harmless: the branches are told apart by their own
  // `object`/`strategy` enums and `additionalProperties: false`.
  delete schema.discriminator;

  // `oneOf` -> `anyOf`: a reply matching several declared shapes is still a declared
  // shape. Needed for JWKS.keys.items, where every *PrivateKey also matches the open
  // *PublicKey schema of the same key type, and it keeps the former discriminated
  // unions (verification objects) from failing on overlap.
  if (Array.isArray(schema.oneOf)) {
    const oneOf = schema.oneOf;
    delete schema.oneOf;
    if (schema.anyOf === undefined) schema.anyOf = oneOf;
    else schema.allOf = [...(Array.isArray(schema.allOf) ? schema.allOf : []), { anyOf: oneOf }];
  }

  return normalizeNullable(schema);
}

/**
 * ajv implements `nullable: true` only next to `type`, and then merely widens `type`:
 * `{type: object, nullable: true, oneOf: [...]}` still rejects null in the `oneOf`
 * branches (e.g. EmailAddress.verification), and `{nullable: true, allOf: [$ref]}`
 * without `type` (e.g. User.scim) makes ajv throw. Clerk does send null for these, so
 * such schemas become `anyOf: [{type: null}, <schema>]`.
 */
function normalizeNullable(schema: Json): Json {
  const { nullable, ...rest } = schema;
  if (nullable !== true) return rest; // `nullable: false` is the default (and also needs `type` in ajv)

  const hasType = rest.type !== undefined;
  if (hasType && !NULL_REJECTING_KEYS.some((k) => rest[k] !== undefined)) return schema; // native ajv handles it

  // e.g. api_keys `claims: {nullable: true, example: ...}` constrains nothing: any value passes.
  const constrains = Object.keys(rest).some((k) => !ANNOTATION_KEYS.has(k) && !k.startsWith('x-'));
  if (!constrains) return rest;

  return { anyOf: [{ type: 'null' }, rest] };
}

/** Normalises every schema that a response can reach: component schemas and response bodies. */
function normalizeDocument(doc: Json, formats: Set<string>): Json {
  const mapContentSchemas = (response: unknown): unknown => {
    if (!isRecord(response) || !isRecord(response.content)) return response;
    const content = Object.fromEntries(
      Object.entries(response.content).map(([type, media]) => [
        type,
        isRecord(media) ? { ...media, schema: normalizeSchema(media.schema, formats) } : media,
      ]),
    );
    return { ...response, content };
  };
  const mapValues = (obj: unknown, fn: (value: unknown) => unknown): Json =>
    isRecord(obj) ? Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, fn(v)])) : {};

  const components = isRecord(doc.components) ? doc.components : {};
  const paths = mapValues(doc.paths, (item) =>
    mapValues(item, (op) =>
      isRecord(op) && isRecord(op.responses) ? { ...op, responses: mapValues(op.responses, mapContentSchemas) } : op,
    ),
  );
  return {
    // Only `paths` and `components` are kept: other top-level keys are irrelevant for replies.
    paths,
    components: {
      ...components,
      schemas: mapValues(components.schemas, (s) => normalizeSchema(s, formats)),
      responses: mapValues(components.responses, mapContentSchemas),
    },
  };
}

// ---------------------------------------------------------------------------
// Spec loading and lookup
// ---------------------------------------------------------------------------

export interface SpecValidator {
  hasOperation(method: string, pathTemplate: string): boolean;
  validateReply(method: string, pathTemplate: string, status: number, body: unknown): { valid: true } | { valid: false; errors: string };
  expectReplyMatchesSpec(method: string, pathTemplate: string, status: number, body: unknown): void;
  listResponses(): { method: string; pathTemplate: string; status: string }[];
}

/** A validator for one of Clerk's specs; `label` names it in failures (BAPI, FAPI). */
function createSpecValidator(SPEC_FILE: ClerkOpenApiFile, DOC_ID: string, label: string): SpecValidator {
  interface Spec {
    doc: Json;
    ajv: Ajv;
  }

  let spec: Spec | undefined;

  function loadSpec(): Spec {
    if (spec) return spec;
    const file = clerkOpenApiPath(SPEC_FILE);
    const raw: unknown = parseYaml(fs.readFileSync(file, 'utf8'));
    if (!isRecord(raw)) throw new Error(`Clerk ${label} spec at ${file} is not a YAML mapping`);

    const formats = new Set<string>();
    const doc = normalizeDocument(raw, formats);

    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv); // int32/int64/float/double/date-time/email/...
    // Any format ajv-formats does not know is treated as documentation rather than
    // failing (or warning) at compile time.
    for (const format of formats) if (!ajv.formats[format]) ajv.addFormat(format, true);
    ajv.addSchema(doc, DOC_ID);

    spec = { doc, ajv };
    return spec;
  }

  /** The spec's key for a path: the BAPI spec writes paths without `/v1`, the FAPI spec with it. */
  function normalizePath(pathTemplate: string): string {
    const paths = isRecord(loadSpec().doc.paths) ? loadSpec().doc.paths : {};
    if (isRecord(paths) && pathTemplate in paths) return pathTemplate;
    const bare = pathTemplate.replace(/^\/v1(?=\/|$)/, '') || '/';
    return isRecord(paths) && !(bare in paths) && `/v1${bare}` in paths ? `/v1${bare}` : bare;
  }

  function findOperation(doc: Json, method: string, pathTemplate: string): Json | undefined {
    const item = isRecord(doc.paths) ? doc.paths[normalizePath(pathTemplate)] : undefined;
    const m = method.toLowerCase();
    if (!isRecord(item) || !HTTP_METHODS.has(m)) return undefined;
    const op = item[m];
    return isRecord(op) ? op : undefined;
  }

  function escapePointerToken(token: string): string {
    return token.replace(/~/g, '~0').replace(/\//g, '~1');
  }

  function valueAt(doc: Json, pointer: string): unknown {
    let node: unknown = doc;
    for (const raw of pointer.split('/').slice(1)) {
      const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      node = isRecord(node) ? node[token] : undefined;
    }
    return node;
  }

  /** JSON pointer of the JSON schema a reply must match, `null` if anything goes, or an error string. */
  function resolveResponseSchema(doc: Json, method: string, pathTemplate: string, status: number): string | null | { error: string } {
    const op = findOperation(doc, method, pathTemplate);
    if (!op) throw new Error(`Clerk ${label} spec has no operation ${method.toUpperCase()} ${pathTemplate}`);
    const responses = isRecord(op.responses) ? op.responses : {};

    let key = String(status);
    if (!(key in responses)) {
      if ('default' in responses) key = 'default';
      else if (status >= 400) return CLERK_ERRORS_POINTER;
      else return { error: `status ${status} is not declared (declared: ${Object.keys(responses).join(', ')})` };
    }

    let pointer = `/paths/${escapePointerToken(normalizePath(pathTemplate))}/${method.toLowerCase()}/responses/${key}`;
    let response = valueAt(doc, pointer);
    // Follow `$ref`s to components/responses (bounded, in case of a cycle).
    for (let hops = 0; isRecord(response) && typeof response.$ref === 'string' && hops < 10; hops++) {
      pointer = response.$ref.replace(/^#/, '');
      response = valueAt(doc, pointer);
    }
    if (!isRecord(response)) throw new Error(`Clerk ${label} spec: cannot resolve response at #${pointer}`);

    const content = isRecord(response.content) ? response.content : {};
    const media = content['application/json'];
    if (isRecord(media) && media.schema !== undefined) return `${pointer}/content/application~1json/schema`;
    // Some error responses are described in prose only (e.g. POST /users/{user_id}/verify_password 422);
    // Clerk still sends its standard error envelope for them.
    return status >= 400 ? CLERK_ERRORS_POINTER : null;
  }

  const byPointer = new Map<string, Validator>();
  const byOperation = new Map<string, Validator>();

  function compile(ajv: Ajv, pointer: string): Validator {
    let validator = byPointer.get(pointer);
    if (!validator) {
      // `bapi#/paths/~1users~1{user_id}/...`: the pointer must be URI-encoded inside the fragment.
      const fragment = pointer.split('/').map(encodeURIComponent).join('/');
      const fn: ValidateFunction = ajv.compile({ $ref: `${DOC_ID}#${fragment}` });
      validator = (body) => (fn(body) ? true : (fn.errors ?? []));
      byPointer.set(pointer, validator);
    }
    return validator;
  }

  function validatorFor(method: string, pathTemplate: string, status: number): Validator {
    const cacheKey = `${method.toUpperCase()} ${normalizePath(pathTemplate)} ${status}`;
    let validator = byOperation.get(cacheKey);
    if (!validator) {
      const { doc, ajv } = loadSpec();
      const target = resolveResponseSchema(doc, method, pathTemplate, status);
      if (target === null) validator = () => true;
      else if (typeof target === 'string') validator = compile(ajv, target);
      else {
        const { error } = target;
        validator = () => [{ instancePath: '', schemaPath: '#/responses', keyword: 'status', params: { status }, message: error }];
      }
      byOperation.set(cacheKey, validator);
    }
    return validator;
  }

  function formatErrors(errors: ErrorObject[]): string {
    const lines = errors.slice(0, MAX_ERRORS_SHOWN).map((e) => {
      const params = Object.keys(e.params).length > 0 ? ` ${JSON.stringify(e.params)}` : '';
      return `  - body${e.instancePath} ${e.message ?? e.keyword}${params}  [${e.schemaPath}]`;
    });
    if (errors.length > MAX_ERRORS_SHOWN) lines.push(`  ... and ${errors.length - MAX_ERRORS_SHOWN} more`);
    return lines.join('\n');
  }


  /** True when the spec documents `method pathTemplate` (path with or without the `/v1` prefix). */
  function hasOperation(method: string, pathTemplate: string): boolean {
    return findOperation(loadSpec().doc, method, pathTemplate) !== undefined;
  }

  /**
   * Checks `body` against the response schema for `status`: the exact status, else
   * `default`, else `ClerkErrors` for 4xx/5xx. Throws if the operation is not in the spec.
   */
  function validateReply(
    method: string,
    pathTemplate: string,
    status: number,
    body: unknown,
  ): { valid: true } | { valid: false; errors: string } {
    const result = validatorFor(method, pathTemplate, status)(body);
    return result === true ? { valid: true } : { valid: false, errors: formatErrors(result) };
  }

  /** Like `validateReply`, but throws a readable Error when the reply does not match. */
  function expectReplyMatchesSpec(method: string, pathTemplate: string, status: number, body: unknown): void {
    const result = validateReply(method, pathTemplate, status, body);
    if (result.valid) return;
    let json = JSON.stringify(body, null, 2) ?? String(body);
    if (json.length > MAX_BODY_CHARS) json = `${json.slice(0, MAX_BODY_CHARS)}\n... (${json.length - MAX_BODY_CHARS} more chars)`;
    throw new Error(
      `${method.toUpperCase()} ${normalizePath(pathTemplate)} -> ${status}: reply does not match Clerk's ${label} spec\n` +
        `${result.errors}\nbody:\n${json}`,
    );
  }

  /** Every documented (method, path, status) triple; lets tests sweep the whole spec. */
  function listResponses(): { method: string; pathTemplate: string; status: string }[] {
    const { doc } = loadSpec();
    const out: { method: string; pathTemplate: string; status: string }[] = [];
    for (const [pathTemplate, item] of Object.entries(isRecord(doc.paths) ? doc.paths : {})) {
      if (!isRecord(item)) continue;
      for (const [method, op] of Object.entries(item)) {
        if (!HTTP_METHODS.has(method) || !isRecord(op) || !isRecord(op.responses)) continue;
        for (const status of Object.keys(op.responses)) out.push({ method, pathTemplate, status });
      }
    }
    return out;
  }

  return { hasOperation, validateReply, expectReplyMatchesSpec, listResponses };
}

const bapi = createSpecValidator('bapi-2026-05-12.yml', 'bapi', 'BAPI');

/** The Frontend API spec: replies under `/fapi/v1` validate against it. */
export const fapiSpec = createSpecValidator('fapi-2026-05-12.yml', 'fapi', 'FAPI');

export const { hasOperation, validateReply, expectReplyMatchesSpec, listResponses } = bapi;
