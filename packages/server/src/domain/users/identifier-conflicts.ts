import { GatehouseError } from '../../errors.js';
import { uniqueViolationColumn } from '../../store/unique-violation.js';

export function identifierTaken(param: string): GatehouseError {
  return new GatehouseError('form_identifier_exists', { meta: { param_name: param } });
}

/**
 * Runs a write that may hit a unique index on an identifier: whether the value was taken before
 * (a create does not look first) or by a concurrent writer that won the race, it surfaces as
 * `form_identifier_exists` naming the parameter, never as a 500.
 */
export async function withIdentifierConflicts<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const column = uniqueViolationColumn(error);
    if (column !== undefined) throw identifierTaken(column);
    throw error;
  }
}
