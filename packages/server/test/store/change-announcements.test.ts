import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prepareStore } from '../../src/server.js';
import type { TableChange } from '../../src/store/change-feed.js';
import type { Store } from '../../src/store/db.js';
import { insertTogether } from '../../src/store/insert-together.js';
import { preparedQuery } from '../../src/store/prepared-query.js';
import { createTestStore, type TestStore } from '../support/test-store.js';

/**
 * In-memory caches trust the store's change feed to hear of every write this process makes
 * (write-announcer.ts), however the write was built, and to hear it again once its transaction
 * has committed.
 */
let test: TestStore;
let store: Store;
let heard: (TableChange | undefined)[] = [];

beforeAll(async () => {
  test = await createTestStore();
  store = await prepareStore(test.options);
  store.changes.subscribe((change) => heard.push(change));
  // PostgreSQL's feed says `undefined` when it starts listening; from then on it stays quiet
  // here, as these tests write only tables no trigger announces.
  const deadline = Date.now() + 10_000;
  while (!store.changes.live && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
});

beforeEach(() => {
  heard = [];
});

afterAll(async () => {
  await store?.close();
  await test?.dispose();
});

const base = { public_metadata: '{}', private_metadata: '{}', unsafe_metadata: '{}', banned: 0 as const, failed_verification_attempts: 0, delete_self_enabled: 1 as const, create_organization_enabled: 1 as const, totp_enabled: 0 as const, backup_code_enabled: 0 as const, created_at: 1, updated_at: 1 };

function email(id: string, userId: string) {
  return { id, user_id: userId, email_address: `${id}@announce.test`, verification_status: null, verification_strategy: null, reserved: 0 as const, created_at: 1, updated_at: 1 };
}

/** The tables heard, in order. */
function tables(): (string | undefined)[] {
  return heard.map((change) => change?.table);
}

describe('write announcements', () => {
  it('announces each insert, update (with its columns) and delete, once it has run', async () => {
    await store.db.insertInto('users').values({ ...base, id: 'user_a1' }).execute();
    expect(heard).toEqual([{ table: 'users', kind: 'insert' }]);
    await store.db.insertInto('email_addresses').values(email('idn_a1', 'user_a1')).execute();
    await store.db.updateTable('email_addresses as e').set({ reserved: 1, updated_at: 2 }).where('e.id', '=', 'idn_a1').execute();
    await store.db.deleteFrom('email_addresses').where('id', '=', 'idn_a1').execute();
    expect(heard.slice(1)).toEqual([
      { table: 'email_addresses', kind: 'insert' },
      { table: 'email_addresses', kind: 'update', columns: ['reserved', 'updated_at'] },
      { table: 'email_addresses', kind: 'delete' },
    ]);
  });

  it('calls an upsert a write that may change any row', async () => {
    await store.db
      .insertInto('users')
      .values({ ...base, id: 'user_a5' })
      .onConflict((oc) => oc.column('id').doUpdateSet({ first_name: 'Upserted' }))
      .execute();
    await store.db
      .insertInto('users')
      .values({ ...base, id: 'user_a5' })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    expect(heard).toEqual([
      { table: 'users', kind: 'write' },
      { table: 'users', kind: 'insert' },
    ]);
  });

  it('announces nothing for reads', async () => {
    await store.db.selectFrom('users').selectAll().where('id', '=', 'nobody').execute();
    await sql`select 1`.execute(store.db);
    expect(heard).toEqual([]);
  });

  it('says anything may have changed after a hand-written write it cannot read', async () => {
    await sql`update email_addresses set reserved = 0 where id = ${'nobody'}`.execute(store.db);
    expect(heard).toEqual([undefined]);
  });

  it('refuses to prepare a write, which would run unheard', async () => {
    const sneaky = preparedQuery((db, id: string) => db.deleteFrom('email_addresses').where('id', '=', id), 1);
    await expect(sneaky(store.db, 'nobody')).rejects.toThrow('preparedQuery is for reads');
  });

  it('announces every table of inserts run together, however they are sent, prepared or not', async () => {
    for (const [id, prepared] of [['a2', false], ['a2p', true], ['a2q', true]] as const) {
      heard = [];
      await insertTogether(store, [{ into: 'users', rows: [{ ...base, id: `user_${id}` }] }, { into: 'email_addresses', rows: [email(`idn_${id}`, `user_${id}`)] }], { prepared });
      expect(new Set(tables())).toEqual(new Set(['users', 'email_addresses']));
      expect(heard.every((change) => change?.kind === 'insert')).toBe(true);
    }
  });

  it('announces a transaction’s changes again after it commits', async () => {
    let duringTransaction: (string | undefined)[] = [];
    await store.transaction(async (trx) => {
      await trx.insertInto('users').values({ ...base, id: 'user_a3' }).execute();
      await trx.insertInto('email_addresses').values(email('idn_a3', 'user_a3')).execute();
      duringTransaction = tables();
    });
    expect(duringTransaction).toEqual(['users', 'email_addresses']);
    expect(tables().slice(duringTransaction.length).sort()).toEqual(['email_addresses', 'users']);
  });

  it('announces the changes of a transaction that rolls back, too', async () => {
    await expect(
      store.transaction(async (trx) => {
        await trx.insertInto('users').values({ ...base, id: 'user_a4' }).execute();
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(tables()).toEqual(['users', 'users']);
    expect(await store.db.selectFrom('users').select('id').where('id', '=', 'user_a4').execute()).toEqual([]);
  });
});
