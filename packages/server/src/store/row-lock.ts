import type { SelectQueryBuilder } from 'kysely';
import type { Dialect } from './db.js';

/**
 * The row lock a read-modify-write needs: `FOR UPDATE` on PostgreSQL. SQLite transactions already
 * run one at a time, so there the plain read is enough.
 */
export function forUpdate<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, dialect: Dialect): SelectQueryBuilder<DB, TB, O> {
  return dialect === 'postgres' ? query.forUpdate() : query;
}

/**
 * Like `forUpdate`, but rows another transaction holds are skipped rather than waited for, so
 * several processes can share a queue. SQLite has one writer at a time: the plain read.
 */
export function forUpdateSkipLocked<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, dialect: Dialect): SelectQueryBuilder<DB, TB, O> {
  return dialect === 'postgres' ? query.forUpdate().skipLocked() : query;
}
