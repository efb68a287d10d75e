import type { SelectQueryBuilder } from 'kysely';

export interface PageRequest {
  limit: number;
  offset: number;
}

/** One page of rows and how many rows match in all. */
export interface RowsWithTotal<Row> {
  rows: Row[];
  total: number;
}

/**
 * One page of `filtered`, shaped and ordered by `page`, and the count of every row `filtered`
 * matches, run side by side.
 */
export async function pageWithTotal<DB, TB extends keyof DB, Row>(
  filtered: SelectQueryBuilder<DB, TB, object>,
  shape: (query: SelectQueryBuilder<DB, TB, object>) => SelectQueryBuilder<DB, TB, Row>,
  page: PageRequest,
): Promise<RowsWithTotal<Row>> {
  const [rows, count] = await Promise.all([
    shape(filtered).limit(page.limit).offset(page.offset).execute(),
    // Kysely cannot resolve the alias through generic tables; the shape is what `as('n')` makes.
    filtered.select((eb) => eb.fn.countAll<number>().as('n')).$castTo<{ n: number | string | bigint }>().executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}
