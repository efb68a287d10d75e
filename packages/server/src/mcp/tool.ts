import { z } from 'zod';
import { camelCase, type CamelCase } from '../wire/requests/fields.js';
import type { ApiRequest } from './backend-api.js';

/**
 * How a tool may change the instance. `destructive` tools (deletes, bans, revocations) carry MCP's
 * `destructiveHint`, so an agent host can ask a human before running them; `--read-only` drops
 * everything but `read`.
 */
export type ToolAccess = 'read' | 'write' | 'destructive';

/** What a tool's handler may do: call the Backend API (attributed to the MCP client). */
export type CallApi = <T = unknown>(request: ApiRequest) => Promise<T>;

export interface GatehouseTool {
  name: string;
  title: string;
  description: string;
  access: ToolAccess;
  /** Strict: an argument the tool does not know is an error the agent sees, not silently dropped. */
  input: z.ZodObject;
  run(args: Record<string, unknown>, api: CallApi): Promise<unknown>;
}

/** Declares a tool with its arguments typed from its zod shape. */
export function defineTool<Shape extends z.ZodRawShape>(tool: {
  name: string;
  title: string;
  description: string;
  access: ToolAccess;
  input: Shape;
  run(args: z.output<z.ZodObject<Shape>>, api: CallApi): Promise<unknown>;
}): GatehouseTool {
  const input = z.strictObject(tool.input);
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    access: tool.access,
    input,
    run: (args, api) => tool.run(args as z.output<z.ZodObject<Shape>>, api),
  };
}

/**
 * Tool arguments for some fields of a Backend API request shape (`wire/requests`): the camelCase
 * names `@clerk/backend` uses, every one optional, and a list also takes a single value, as agents
 * often pass one.
 */
export function toolArguments<F extends Record<string, z.ZodType>, K extends keyof F & string>(
  fields: F,
  names: readonly K[],
): { [P in K as CamelCase<P>]: z.ZodOptional<z.ZodType<z.output<F[P]>>> } {
  const shape: Record<string, z.ZodType> = {};
  for (const name of names) {
    const field = fields[name] as z.ZodType;
    const argument =
      field instanceof z.ZodArray
        ? z
            .union([z.string(), field], { error: 'expected a string or a list of strings' })
            .transform((v) => (Array.isArray(v) ? v : [v]))
            .describe(field.description ?? name)
        : field;
    shape[camelCase(name)] = argument.optional();
  }
  return shape as { [P in K as CamelCase<P>]: z.ZodOptional<z.ZodType<z.output<F[P]>>> };
}

/** `firstName` → `first_name`, `primaryEmailAddressID` → `primary_email_address_id`. */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * The Backend API body for camelCase tool arguments: top-level keys renamed, values (metadata
 * above all) passed through untouched, absent arguments left out.
 */
export function apiBody(args: Record<string, unknown>, omit: readonly string[] = []): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined || omit.includes(key)) continue;
    body[snakeCase(key)] = value;
  }
  return body;
}

/** Same renaming for query parameters; lists stay lists (sent as repeated parameters). */
export function apiQuery(args: Record<string, unknown>, omit: readonly string[] = []): NonNullable<ApiRequest['query']> {
  const query: NonNullable<ApiRequest['query']> = {};
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined || omit.includes(key)) continue;
    if (Array.isArray(value)) query[snakeCase(key)] = value.map(String);
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') query[snakeCase(key)] = value;
  }
  return query;
}

export const id = (what: string) => z.string().min(1).max(256).describe(`The ${what}'s ID.`);
export const metadata = (what: string) => z.record(z.string(), z.unknown()).describe(what);
/** One value or several; agents often pass a single email where a list is expected. */
export const stringList = (what: string) =>
  z
    .union([z.string(), z.array(z.string()).max(100)], { error: 'expected a string or a list of strings' })
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .describe(what);
export const limit = (max: number, fallback: number) => z.number().int().min(1).max(max).describe(`Page size, 1–${max} (default ${fallback}).`);
/** The server validates the field; the description tells the agent what it may ask for. */
export const orderBy = (fields: readonly string[], fallback: string) =>
  z.string().max(64).describe(`Sort field, prefixed + (ascending) or - (descending); default ${fallback}. Fields: ${fields.join(', ')}.`);
export const timestamp = (what: string) => z.number().int().min(0).describe(`${what} (Unix time in milliseconds).`);
export const offset = z.number().int().min(0).describe('How many results to skip (for paging).');
/** Path segments come from the agent: encode them so an ID can never walk to another route. */
export const seg = (value: string) => encodeURIComponent(value);
