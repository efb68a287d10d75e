/**
 * Validates webhook envelopes against Clerk's webhooks OpenAPI document
 * (reference/clerk-openapi/webhooks-2025-04-15.yml): each `x-webhooks.<type>` request body.
 * A smaller cousin of clerk-spec.ts: OpenAPI 3.0's `nullable` and `oneOf` are rewritten for ajv,
 * examples and discriminators dropped.
 */
import fs from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { clerkOpenApiPath } from './clerk-openapi-files.js';

type Json = Record<string, unknown>;
const DOC_ID = 'webhooks';
const addFormats = addFormatsModule.default;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function normalize(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalize);
  if (!isRecord(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'discriminator' || key === 'example' || key === 'examples') continue;
    out[key] = key === '$ref' && typeof value === 'string' ? `${DOC_ID}${value}` : normalize(value);
  }
  if (out.oneOf) {
    out.anyOf = out.oneOf;
    delete out.oneOf;
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string' && !out.$ref && !out.allOf && !out.anyOf && !out.enum) return { ...out, type: [out.type, 'null'] };
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

/**
 * `allOf: [{$ref: Closed}, {properties: {extra}}]` where Closed says `additionalProperties: false`
 * can match nothing that has `extra` (SessionEventPayload: a Session plus its `user`). The spec
 * means "Closed, extended by extra"; this builds exactly that schema, still closed.
 */
function extendClosedSchemas(schemas: Json): Json {
  const out: Json = { ...schemas };
  for (const [name, schema] of Object.entries(schemas)) {
    if (!isRecord(schema) || !Array.isArray(schema.allOf) || schema.allOf.length !== 2) continue;
    const [base, extension] = schema.allOf as unknown[];
    const ref = isRecord(base) && typeof base.$ref === 'string' ? base.$ref.replace('#/components/schemas/', '') : undefined;
    const target = ref ? schemas[ref] : undefined;
    if (!isRecord(target) || target.additionalProperties !== false || !isRecord(extension) || !isRecord(extension.properties)) continue;
    out[name] = {
      ...target,
      properties: { ...(target.properties as Json), ...extension.properties },
      required: [...((target.required as string[] | undefined) ?? []), ...((extension.required as string[] | undefined) ?? [])],
    };
  }
  return out;
}

let loaded: { ajv: Ajv; webhooks: Json } | undefined;
const compiled = new Map<string, ValidateFunction>();

function load(): { ajv: Ajv; webhooks: Json } {
  if (loaded) return loaded;
  const spec = parseYaml(fs.readFileSync(clerkOpenApiPath('webhooks-2025-04-15.yml'), 'utf8')) as Json;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const components = spec.components as Json;
  const schemas = isRecord(components.schemas) ? extendClosedSchemas(components.schemas) : {};
  ajv.addSchema({ $id: DOC_ID, components: normalize({ ...components, schemas }) });
  loaded = { ajv, webhooks: isRecord(spec['x-webhooks']) ? spec['x-webhooks'] : {} };
  return loaded;
}

/** The request-body schema of one webhook type; undefined when the spec has no such type. */
function bodySchema(type: string): Json | undefined {
  const entry = load().webhooks[type];
  const post = isRecord(entry) ? entry.post : undefined;
  const body = isRecord(post) ? post.requestBody : undefined;
  const content = isRecord(body) && isRecord(body.content) ? body.content['application/json'] : undefined;
  return isRecord(content) && isRecord(content.schema) ? content.schema : undefined;
}

/** The `data` schema of a webhook type: the second `allOf` branch's `data` property. */
function dataSchema(type: string): Json | undefined {
  const allOf = bodySchema(type)?.allOf;
  const extension: unknown = Array.isArray(allOf) ? allOf[1] : undefined;
  const properties = isRecord(extension) ? extension.properties : undefined;
  return isRecord(properties) && isRecord(properties.data) ? properties.data : undefined;
}

function errorsOf(key: string, schema: () => Json | undefined, value: unknown): string[] {
  let validate = compiled.get(key);
  if (!validate) {
    const found = schema();
    if (!found) return [`no schema for ${key} in the webhooks spec`];
    validate = load().ajv.compile(normalize(found) as Json);
    compiled.set(key, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** Problems with `envelope` against its type's schema; an empty list when it matches. */
export function webhookPayloadErrors(envelope: { type: string }): string[] {
  return errorsOf(envelope.type, () => bodySchema(envelope.type), envelope);
}

/** Problems with an event's `data` against the payload schema of its webhook type. */
export function webhookDataErrors(type: string, data: unknown): string[] {
  return errorsOf(`${type}#data`, () => dataSchema(type), data);
}

/** The webhook event types Clerk's spec describes. */
export function clerkWebhookTypes(): string[] {
  return Object.keys(load().webhooks);
}
