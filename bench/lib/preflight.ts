/** Checks before load: a fast wrong answer is not a result. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * GETs each item's path and fails on the first answer that is not a 200 or that `wrong` finds
 * wrong (it says how, or returns undefined for a right answer).
 */
export async function checkAnswers<Item extends { path: string }>(
  server: { url: string; secret: string },
  key: string,
  items: Iterable<Item>,
  wrong: (item: Item, body: unknown) => string | undefined,
): Promise<void> {
  for (const item of items) {
    const response = await fetch(`${server.url}${item.path}`, { headers: { authorization: `Bearer ${server.secret}` } });
    const body: unknown = await response.json();
    const why = response.status !== 200 ? 'is not 200' : wrong(item, body);
    if (why !== undefined) throw new Error(`preflight ${key}: GET ${item.path} ${why}; got ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
  }
}
