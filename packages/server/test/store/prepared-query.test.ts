import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareStore } from '../../src/server.js';
import type { Store } from '../../src/store/db.js';
import { preparedQuery } from '../../src/store/prepared-query.js';
import { createTestStore, type TestStore } from '../support/test-store.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let test: TestStore;
let store: Store;

beforeAll(async () => {
  test = await createTestStore();
  // One connection, so the statements prepared here are the ones pg_prepared_statements lists.
  store = await prepareStore(test.options.kind === 'postgres' ? { ...test.options, poolSize: 1 } : test.options);
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

  it('runs run after run with the same answers (PostgreSQL: as a statement named and prepared once per connection)', async () => {
    // PostgreSQL settles on a generic plan after five runs of a prepared statement.
    for (let run = 0; run < 7; run++) {
      expect(await byNameAndHint(store.db, 'aaaa', 'beta')).toEqual([{ id: 'ak_3' }]);
      expect(await byNameAndHint(store.db, 'cccc', 'beta')).toEqual([]);
    }
    if (store.dialect === 'postgres') {
      const { rows } = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(store.db);
      const compiled = store.db.selectFrom('secret_keys').select('id').where('name', '=', 'x').where('hint', '=', 'x').where('revoked_at', 'is', null).orderBy('id').limit(5).compile().sql;
      expect(rows.filter((r) => r.statement === compiled)).toEqual([{ name: expect.stringMatching(/^gatehouse_[0-9a-f]{32}(_\d+)?$/), statement: compiled }]);
    }
  });

  it('keeps answering after a column is added to its table behind its back', async () => {
    expect(await byNameAndHint(store.db, 'aaaa', 'beta')).toEqual([{ id: 'ak_3' }]);
    await sql`alter table secret_keys add column added_later text`.execute(store.db);
    expect(await byNameAndHint(store.db, 'aaaa', 'beta')).toEqual([{ id: 'ak_3' }]);
  });

  it('answers with the new columns once a migration adds one to a table it selects * from (PostgreSQL: prepared again)', async () => {
    const wholeKey = preparedQuery((db, id: string) => db.selectFrom('secret_keys').selectAll().where('id', '=', id), 1);
    for (let run = 0; run < 7; run++) expect(await wholeKey(store.db, 'ak_3')).toEqual([expect.objectContaining({ id: 'ak_3', name: 'beta' })]);
    await sql`alter table secret_keys add column added_for_star text`.execute(store.db);
    for (let run = 0; run < 3; run++) expect(await wholeKey(store.db, 'ak_3')).toEqual([expect.objectContaining({ id: 'ak_3', name: 'beta', added_for_star: null })]);
  });

  it('runs inside a transaction, seeing its uncommitted writes', async () => {
    await store.transaction(async (trx) => {
      await trx.updateTable('secret_keys').set({ revoked_at: 2 }).where('id', '=', 'ak_1').execute();
      expect(await byNameAndHint(trx, 'aaaa', 'alpha')).toEqual([]);
    });
    expect(await byNameAndHint(store.db, 'aaaa', 'alpha')).toEqual([]);
  });
});

describe('statements run often', () => {
  it('answers alike whether it runs a statement named or not; on PostgreSQL SQL run three times is named, SQL run once is not', async () => {
    const often = store.db.selectFrom('secret_keys').select(['id', 'hint']).where('name', '=', 'alpha').orderBy('id');
    const once = store.db.selectFrom('secret_keys').select(['id', 'name']).where('hint', '=', 'once');
    for (let run = 0; run < 4; run++) expect(await often.execute()).toEqual([{ id: 'ak_1', hint: 'aaaa' }, { id: 'ak_2', hint: 'bbbb' }]);
    expect(await once.execute()).toEqual([]);
    if (store.dialect !== 'postgres') return;
    const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(store.db);
    const statements = rows.map((r) => r.statement);
    expect(statements).toContain(often.compile().sql);
    expect(statements).not.toContain(once.compile().sql);
  });
});

describe('session tokens across a schema change', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('are still minted after a migration adds a column to sessions while the server runs', async () => {
    const user = await t.clerk.users.createUser({ emailAddress: ['schema.change@example.com'], skipPasswordRequirement: true });
    const session = await t.request('POST', '/v1/sessions', { body: { user_id: user.id } });
    const sessionId = (session.body as { id: string }).id;
    // Enough mints for PostgreSQL to settle on a generic plan for the token query first.
    for (let i = 0; i < 7; i++) expect((await t.request('POST', `/v1/sessions/${sessionId}/tokens`, { body: {} })).status).toBe(200);
    await sql`alter table sessions add column added_later text`.execute(t.server.store.db);
    for (let i = 0; i < 3; i++) {
      const minted = await t.request('POST', `/v1/sessions/${sessionId}/tokens`, { body: {} });
      expect(minted.status).toBe(200);
      expect((minted.body as { jwt: string }).jwt.split('.')).toHaveLength(3);
    }
  });
});
