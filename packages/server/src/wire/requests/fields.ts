import { z } from 'zod';

/**
 * Request fields as plain JSON types, each with what it means. A request shape is declared once,
 * with its wire (snake_case) names: the Backend API reads it from JSON bodies and, through
 * `http/validation.ts`, from query strings; the MCP tools offer it as camelCase arguments; its
 * parsed output, with camelCase keys, is the domain operation's input.
 */
export const text = (what: string, max = 256) => z.string().max(max).describe(what);
export const list = (what: string) => z.array(z.string().max(512)).max(100, 'accepts at most 100 values').describe(what);
export const flag = (what: string) => z.boolean().describe(what);
export const unixMs = (what: string) => z.number().int().min(0).max(8_640_000_000_000_000).describe(`${what} (Unix time in milliseconds).`);
export const metadataObject = z.record(z.string(), z.unknown());

/** RFC 3339 date-time string → ms since epoch. */
export const rfc3339 = z
  .string()
  .refine((v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)), {
    message: 'must be an RFC 3339 date-time such as 2012-10-20T07:15:20.902Z',
  })
  .transform((v) => Date.parse(v));

/** `email_address_query` → `emailAddressQuery`. */
export type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;
export type CamelKeys<T> = { [K in keyof T as CamelCase<K & string>]: T[K] };

export function camelCase<S extends string>(name: S): CamelCase<S> {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) as CamelCase<S>;
}

/** A parsed request as the domain takes it: the same fields, camelCase keys, absent ones left out. */
export function camelKeys<T extends Record<string, unknown>>(parsed: T): CamelKeys<T> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (value !== undefined) out[camelCase(key)] = value;
  }
  return out as CamelKeys<T>;
}
