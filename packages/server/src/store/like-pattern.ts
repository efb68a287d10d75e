/** A `LIKE` pattern matching `term` as a literal substring, escaped for `escape '\'`. */
export function containsPattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
