import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareStore } from '../../src/server.js';
import type { Store } from '../../src/store/db.js';
import { preparedQuery } from '../../src/store/prepared-query.js';
import { createTestStore, type TestStore } from '../support/test-store.js';

let test: TestStore;
let store: Store;

beforeAll(async () => {
  test = await createTestStore();
  store = await prepareStore(test.options);
  for (const [id, name, hint] of [
    ['ak_1', 'alpha', 'aaaa'],
    ['ak_2', 'alpha', 'bbbb'],
    ['ak_3', 'beta', 'aaaa'],
  ]) {
    await store.db.insertInto('secret_keys').values({ id: id!, name: name!, hint: hint!, key_hash: `hash-${id}`, created_at: 1, last_used_at: null, revoked_at: null }).execute();
  }
});

afterAll(async () => {
  await store?.close();
  await test?.dispose();
});

describe('preparedQuery', () => {
  // Arguments bound out of order, next to constants the builder supplies itself (the limit).
  const byNameAndHint = preparedQuery(
    (db, hint: string, name: string) => db.selectFrom('secret_keys').select('id').where('name', '=', name).where('hint', '=', hint).where('revoked_at', 'is', null).orderBy('id').limit(5),
    2,
  );

  it('binds each call’s arguments to the statement compiled on first use', async () => {
    expect(await byNameAndHint(store.db, 'aaaa', 'alpha')).toEqual([{ id: 'ak_1' }]);
    expect(await byNameAndHint(store.db, 'aaaa', 'beta')).toEqual([{ id: 'ak_3' }]);
    expect(await byNameAndHint(store.db, 'bbbb', 'alpha')).toEqual([{ id: 'ak_2' }]);
    expect(await byNameAndHint(store.db, 'bbbb', 'beta')).toEqual([]);
  });

  it('runs inside a transaction, seeing its uncommitted writes', async () => {
    await store.transaction(async (trx) => {
      await trx.updateTable('secret_keys').set({ revoked_at: 2 }).where('id', '=', 'ak_1').execute();
      expect(await byNameAndHint(trx, 'aaaa', 'alpha')).toEqual([]);
    });
    expect(await byNameAndHint(store.db, 'aaaa', 'alpha')).toEqual([]);
  });
});
