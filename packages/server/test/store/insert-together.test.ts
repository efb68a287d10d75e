import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareStore } from '../../src/server.js';
import type { Store } from '../../src/store/db.js';
import { insertTogether } from '../../src/store/insert-together.js';
import { uniqueViolationColumn } from '../../src/store/unique-violation.js';
import { createTestStore, type TestStore } from '../support/test-store.js';

let test: TestStore;
let store: Store;

beforeAll(async () => {
  test = await createTestStore();
  // One connection, so the statements prepared here are the ones pg_prepared_statements lists.
  store = await prepareStore(test.options.kind === 'postgres' ? { ...test.options, poolSize: 1 } : test.options);
});

afterAll(async () => {
  await store?.close();
  await test?.dispose();
});

function user(id: string, firstName: string | null) {
  return {
    id,
    first_name: firstName,
    public_metadata: '{}',
    private_metadata: '{}',
    unsafe_metadata: '{}',
    banned: 0 as const,
    failed_verification_attempts: 0,
    delete_self_enabled: 1 as const,
    create_organization_enabled: 1 as const,
    created_at: 1,
    updated_at: 1,
  };
}

function email(id: string, userId: string, address: string) {
  return { id, user_id: userId, email_address: address, verification_status: null, verification_strategy: null, reserved: 0 as const, created_at: 1, updated_at: 1 };
}

async function stored(userId: string) {
  const row = await store.db.selectFrom('users').select(['id', 'first_name']).where('id', '=', userId).executeTakeFirst();
  const emails = await store.db.selectFrom('email_addresses').select('email_address').where('user_id', '=', userId).orderBy('id').execute();
  return { row, emails: emails.map((e) => e.email_address) };
}

describe('insertTogether', () => {
  it('writes a user and its email address, call after call', async () => {
    for (const n of [1, 2, 3]) {
      await insertTogether(store, (db) => [
        db.insertInto('users').values(user(`user_it${n}`, `Name ${n}`)),
        db.insertInto('email_addresses').values(email(`idn_it${n}`, `user_it${n}`, `it${n}@example.com`)),
      ]);
    }
    for (const n of [1, 2, 3]) expect(await stored(`user_it${n}`)).toEqual({ row: { id: `user_it${n}`, first_name: `Name ${n}` }, emails: [`it${n}@example.com`] });
  });

  it('writes several rows per table', async () => {
    await insertTogether(store, (db) => [
      db.insertInto('users').values(user('user_multi', null)),
      db.insertInto('email_addresses').values([email('idn_m1', 'user_multi', 'm1@example.com'), email('idn_m2', 'user_multi', 'm2@example.com')]),
    ]);
    expect(await stored('user_multi')).toEqual({ row: { id: 'user_multi', first_name: null }, emails: ['m1@example.com', 'm2@example.com'] });
  });

  it('writes nothing at all when a later insert fails', async () => {
    const error = await insertTogether(store, (db) => [
      db.insertInto('users').values(user('user_rolled_back', 'Gone')),
      db.insertInto('email_addresses').values(email('idn_rb', 'user_rolled_back', 'it1@example.com')),
    ]).catch((e: unknown) => e);
    expect(uniqueViolationColumn(error)).toBe('email_address');
    expect(await stored('user_rolled_back')).toEqual({ row: undefined, emails: [] });
  });

  it('refuses a row that references a missing parent, leaving the others unwritten', async () => {
    const error = await insertTogether(store, (db) => [
      db.insertInto('users').values(user('user_orphan_parent', 'Orphan')),
      db.insertInto('email_addresses').values(email('idn_orphan', 'user_that_does_not_exist', 'orphan@example.com')),
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(await stored('user_orphan_parent')).toEqual({ row: undefined, emails: [] });
  });

  it('runs as a prepared statement when asked, call after call, and still maps a taken email', async () => {
    for (const n of [1, 2, 3]) {
      await insertTogether(
        store,
        (db) => [
          db.insertInto('users').values(user(`user_pr${n}`, `Prepared ${n}`)),
          db.insertInto('email_addresses').values(email(`idn_pr${n}`, `user_pr${n}`, `pr${n}@example.com`)),
        ],
        { prepared: true },
      );
    }
    for (const n of [1, 2, 3]) expect(await stored(`user_pr${n}`)).toEqual({ row: { id: `user_pr${n}`, first_name: `Prepared ${n}` }, emails: [`pr${n}@example.com`] });
    const error = await insertTogether(
      store,
      (db) => [db.insertInto('users').values(user('user_pr_taken', 'Taken')), db.insertInto('email_addresses').values(email('idn_pr_taken', 'user_pr_taken', 'pr1@example.com'))],
      { prepared: true },
    ).catch((e: unknown) => e);
    expect(uniqueViolationColumn(error)).toBe('email_address');
    expect(await stored('user_pr_taken')).toEqual({ row: undefined, emails: [] });
    if (store.dialect === 'postgres') {
      const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements where name like 'gatehouse_%'`.execute(store.db);
      expect(rows.filter((r) => r.statement.startsWith('with "insert_0" as (insert into "users"'))).toHaveLength(1);
    }
  });
});
