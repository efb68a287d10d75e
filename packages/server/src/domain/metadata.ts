import { GatehouseError, paramError } from '../errors.js';

export type Metadata = Record<string, unknown>;

export const METADATA_MAX_BYTES = 8 * 1024;

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function isPlainObject(value: unknown): value is Metadata {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Rejects metadata that is not an object, is over 8 KB, or carries prototype-polluting keys. */
export function assertValidMetadata(value: unknown, paramName: string): Metadata {
  if (!isPlainObject(value)) {
    throw paramError('form_param_format_invalid', paramName, `${paramName} must be a JSON object.`);
  }
  assertNoForbiddenKeys(value, paramName);
  const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
  if (bytes > METADATA_MAX_BYTES) {
    throw new GatehouseError('form_param_exceeds_allowed_size', {
      meta: { param_name: paramName },
      longMessage: `${paramName} must be at most ${METADATA_MAX_BYTES} bytes when encoded as JSON (got ${bytes}).`,
    });
  }
  return value;
}

function assertNoForbiddenKeys(value: unknown, paramName: string): void {
  if (Array.isArray(value)) {
    for (const item of value) assertNoForbiddenKeys(item, paramName);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) {
      throw paramError('form_param_format_invalid', paramName, `${paramName} must not contain the key "${key}".`);
    }
    assertNoForbiddenKeys(value[key], paramName);
  }
}

/**
 * Deep merge for PATCH …/metadata: objects merge key by key, `null` deletes a key, anything else
 * (arrays included) replaces. Inputs are never mutated.
 */
export function mergeMetadata(current: Metadata, patch: Metadata): Metadata {
  const out: Metadata = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete out[key];
    } else if (isPlainObject(value) && isPlainObject(out[key])) {
      out[key] = mergeMetadata(out[key] as Metadata, value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

export function parseStoredMetadata(text: string): Metadata {
  const parsed: unknown = JSON.parse(text);
  return isPlainObject(parsed) ? parsed : {};
}

export type MetadataMode = 'merge' | 'replace';

/**
 * The stored-text patch for PATCH (`merge`) or PUT (`replace`) …/metadata: each field given is
 * deep-merged into (or swapped for) the stored one and re-checked against the size cap; fields not
 * given are left out of the patch. `stored` maps column name to its current JSON text.
 */
export function metadataPatch<C extends string>(
  stored: Record<C, string>,
  input: Partial<Record<C, Metadata | null | undefined>>,
  mode: MetadataMode,
): Partial<Record<C, string>> {
  const patch: Partial<Record<C, string>> = {};
  for (const column of Object.keys(stored) as C[]) {
    const value = input[column];
    if (value === undefined) continue;
    if (value !== null) assertValidMetadata(value, column);
    const next = mode === 'merge' && value !== null ? mergeMetadata(parseStoredMetadata(stored[column]), value) : (value ?? {});
    patch[column] = JSON.stringify(assertValidMetadata(next, column));
  }
  return patch;
}
