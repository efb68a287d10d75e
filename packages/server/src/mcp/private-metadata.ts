/**
 * Private metadata is for the backend alone; an agent's context window is not the backend (it may
 * be logged, shared or sent to a model provider). Unless the operator opts in, results lose every
 * `private_metadata` field, however deep.
 */
export function withoutPrivateMetadata(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPrivateMetadata);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key !== 'private_metadata') out[key] = withoutPrivateMetadata(inner);
  }
  return out;
}
