/**
 * Recognises a unique-constraint violation from either driver and names the column, so a race
 * the in-transaction check could not see still ends as a clear `form_identifier_exists`.
 */
export function uniqueViolationColumn(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, detail } = error as { code?: unknown; message?: unknown; detail?: unknown };
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    // "UNIQUE constraint failed: email_addresses.email_address"
    const match = typeof message === 'string' ? /constraint failed: \w+\.(\w+)/.exec(message) : null;
    return match?.[1] ?? 'unknown';
  }
  if (code === '23505') {
    // "Key (email_address)=(a@b.c) already exists."
    const match = typeof detail === 'string' ? /^Key \((\w+)\)/.exec(detail) : null;
    return match?.[1] ?? 'unknown';
  }
  return undefined;
}
