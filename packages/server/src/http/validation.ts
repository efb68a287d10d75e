import { z } from 'zod';
import { GatehouseError, paramError } from '../errors.js';
export { metadataObject, rfc3339 } from '../wire/requests/fields.js';

/**
 * Parses a request part with its zod schema and turns the first problem into the Clerk error a
 * client can act on: `form_param_missing` for an absent required parameter, otherwise
 * `form_param_format_invalid`, always naming the parameter in `meta.param_name`.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {}, { reportInput: true });
  if (result.success) {
    const nul = parameterWithNul(result.data);
    if (nul !== undefined) return fail(paramError('form_param_format_invalid', nul, `${nul} must not contain NUL (U+0000) characters.`));
    return result.data;
  }
  const issue = result.error.issues[0];
  if (!issue) throw paramError('form_param_format_invalid', 'body');
  const name = issue.path.length > 0 ? String(issue.path[0]) : 'body';
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  if (missing) return fail(paramError('form_param_missing', name));
  const where = issue.path.length > 1 ? ` (at ${issue.path.join('.')})` : '';
  return fail(paramError('form_param_format_invalid', name, `${name} is invalid${where}: ${issue.message}`));
}

function fail(error: GatehouseError): never {
  throw error;
}

/**
 * PostgreSQL text cannot hold U+0000 (any query carrying one fails), so neither store accepts it
 * in a parameter: returns the first parameter whose string, or one of whose list strings, has one.
 * Metadata objects are stored as JSON text, where it is escaped, and may keep theirs.
 */
function parameterWithNul(parsed: unknown): string | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  for (const [key, value] of Object.entries(parsed)) {
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === 'string' && v.includes('\u0000'))) return key;
  }
  return undefined;
}

/** Accepts `key=a&key=b`, `key[]=a` and `key=a` alike, so callers see one array per list parameter. */
export function normalizeQuery(query: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (typeof query !== 'object' || query === null) return out;
  for (const [rawKey, value] of Object.entries(query as Record<string, unknown>)) {
    const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey;
    const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
    const existing = out[key];
    const merged = existing === undefined ? values : [...(Array.isArray(existing) ? existing : [existing]), ...values];
    out[key] = merged.length === 1 && !rawKey.endsWith('[]') && existing === undefined ? (merged[0] as string) : merged;
  }
  return out;
}

// ---- schema building blocks shared by route schemas ----

/** A query list parameter: one value or many, at most 100. */
export const queryList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]))
  .pipe(z.array(z.string().max(512)).max(100, 'accepts at most 100 values'));

/** A query scalar: when repeated, the first value wins (Clerk keeps the first `order_by`). */
export const queryString = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? (v[0] ?? '') : v))
  .pipe(z.string().max(1024));

export const queryInteger = (min: number, max: number) =>
  queryString.pipe(
    z
      .string()
      .regex(/^-?\d+$/, 'must be an integer')
      .transform(Number)
      .pipe(z.number().int().min(min).max(max)),
  );

export const queryBoolean = queryString.pipe(z.enum(['true', 'false']).transform((v) => v === 'true'));

export const shortText = z.string().max(256);

/**
 * A query-string reader for a request shape declared with JSON types (`wire/requests`): every
 * field optional; a list takes one value or many, a scalar the first of repeated values, and
 * `true`/`false` and integers are read from their text. Text that does not read leaves the value
 * as it is, so the field's own schema reports it.
 */
export function queryObject<F extends Record<string, z.ZodType>>(fields: F): z.ZodObject<{ [K in keyof F]: z.ZodOptional<F[K]> }> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(fields)) shape[key] = z.preprocess(fromQueryText(field), field).optional();
  return z.object(shape) as unknown as z.ZodObject<{ [K in keyof F]: z.ZodOptional<F[K]> }>;
}

function fromQueryText(field: z.ZodType): (value: unknown) => unknown {
  const first = (value: unknown) => (Array.isArray(value) ? (value[0] ?? '') : value);
  if (field instanceof z.ZodArray) return (value) => (typeof value === 'string' ? [value] : value);
  if (field instanceof z.ZodBoolean) {
    return (value) => {
      const text = first(value);
      return text === 'true' ? true : text === 'false' ? false : text;
    };
  }
  if (field instanceof z.ZodNumber) {
    return (value) => {
      const text = first(value);
      return typeof text === 'string' && /^-?\d{1,20}$/.test(text) ? Number(text) : text;
    };
  }
  return first;
}
