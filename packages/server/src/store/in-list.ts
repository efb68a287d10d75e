/**
 * Values for a SQL `IN (…)`. An empty IN list is a syntax error, so an empty filter becomes a list
 * holding the empty string, which no id, key, email or phone number ever is. (Not NUL: PostgreSQL
 * refuses NUL in text parameters outright.)
 */
export function inList(values: readonly string[]): string[] {
  return values.length > 0 ? [...values] : [''];
}
