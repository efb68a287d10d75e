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
    totp_enabled: 0 as const,
    backup_code_enabled: 0 as const,
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
      await insertTogether(store, [
        { into: 'users', rows: [user(`user_it${n}`, `Name ${n}`)] },
        { into: 'email_addresses', rows: [email(`idn_it${n}`, `user_it${n}`, `it${n}@example.com`)] },
      ]);
    }
    for (const n of [1, 2, 3]) expect(await stored(`user_it${n}`)).toEqual({ row: { id: `user_it${n}`, first_name: `Name ${n}` }, emails: [`it${n}@example.com`] });
  });

  it('writes several rows per table', async () => {
    await insertTogether(store, [
      { into: 'users', rows: [user('user_multi', null)] },
      { into: 'email_addresses', rows: [email('idn_m1', 'user_multi', 'm1@example.com'), email('idn_m2', 'user_multi', 'm2@example.com')] },
    ]);
    expect(await stored('user_multi')).toEqual({ row: { id: 'user_multi', first_name: null }, emails: ['m1@example.com', 'm2@example.com'] });
  });

  it('writes nothing at all when a later insert fails', async () => {
    const error = await insertTogether(store, [
      { into: 'users', rows: [user('user_rolled_back', 'Gone')] },
      { into: 'email_addresses', rows: [email('idn_rb', 'user_rolled_back', 'it1@example.com')] },
    ]).catch((e: unknown) => e);
    expect(uniqueViolationColumn(error)).toBe('email_address');
    expect(await stored('user_rolled_back')).toEqual({ row: undefined, emails: [] });
  });

  it('refuses a row that references a missing parent, leaving the others unwritten', async () => {
    const error = await insertTogether(store, [
      { into: 'users', rows: [user('user_orphan_parent', 'Orphan')] },
      { into: 'email_addresses', rows: [email('idn_orphan', 'user_that_does_not_exist', 'orphan@example.com')] },
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(await stored('user_orphan_parent')).toEqual({ row: undefined, emails: [] });
  });

  it('runs as a prepared statement when asked, call after call, and still maps a taken email', async () => {
    for (const n of [1, 2, 3]) {
      await insertTogether(
        store,
        [
          { into: 'users', rows: [user(`user_pr${n}`, `Prepared ${n}`)] },
          { into: 'email_addresses', rows: [email(`idn_pr${n}`, `user_pr${n}`, `pr${n}@example.com`)] },
        ],
        { prepared: true },
      );
    }
    for (const n of [1, 2, 3]) expect(await stored(`user_pr${n}`)).toEqual({ row: { id: `user_pr${n}`, first_name: `Prepared ${n}` }, emails: [`pr${n}@example.com`] });
    const error = await insertTogether(
      store,
      [{ into: 'users', rows: [user('user_pr_taken', 'Taken')] }, { into: 'email_addresses', rows: [email('idn_pr_taken', 'user_pr_taken', 'pr1@example.com')] }],
      { prepared: true },
    ).catch((e: unknown) => e);
    expect(uniqueViolationColumn(error)).toBe('email_address');
    expect(await stored('user_pr_taken')).toEqual({ row: undefined, emails: [] });
    if (store.dialect === 'postgres') {
      const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements where name like 'gatehouse_%'`.execute(store.db);
      expect(rows.filter((r) => r.statement.startsWith('with "insert_0" as (insert into "users"'))).toHaveLength(1);
    }
  });

  it('prepares each shape once: more rows, or a column left unset, is a shape of its own', async () => {
    const preparedCount = async () =>
      (await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements where name like 'gatehouse_%'`.execute(store.db)).rows[0]?.n;
    const before = store.dialect === 'postgres' ? await preparedCount() : undefined;
    const shapes = (n: number) => [
      [{ into: 'users', rows: [user(`user_sh${n}a`, `Shape ${n}`)] }, { into: 'email_addresses', rows: [email(`idn_sh${n}a1`, `user_sh${n}a`, `sh${n}a1@example.com`), email(`idn_sh${n}a2`, `user_sh${n}a`, `sh${n}a2@example.com`)] }],
      [{ into: 'users', rows: [{ ...user(`user_sh${n}b`, null), first_name: undefined }] }, { into: 'email_addresses', rows: [email(`idn_sh${n}b`, `user_sh${n}b`, `sh${n}b@example.com`)] }],
    ] as const;
    for (const n of [1, 2]) for (const inserts of shapes(n)) await insertTogether(store, inserts, { prepared: true });
    for (const n of [1, 2]) {
      expect(await stored(`user_sh${n}a`)).toEqual({ row: { id: `user_sh${n}a`, first_name: `Shape ${n}` }, emails: [`sh${n}a1@example.com`, `sh${n}a2@example.com`] });
      expect(await stored(`user_sh${n}b`)).toEqual({ row: { id: `user_sh${n}b`, first_name: null }, emails: [`sh${n}b@example.com`] });
    }
    if (before !== undefined) expect(await preparedCount()).toBe(before + 2);
  });

  it('writes rows that do not share their columns as they are, prepared or not', async () => {
    for (const [tag, prepared] of [['mx', false], ['mxp', true]] as const) {
      await insertTogether(
        store,
        [
          { into: 'users', rows: [user(`user_${tag}`, null)] },
          { into: 'email_addresses', rows: [email(`idn_${tag}1`, `user_${tag}`, `${tag}1@example.com`), { ...email(`idn_${tag}2`, `user_${tag}`, `${tag}2@example.com`), verification_strategy: undefined }] },
        ],
        { prepared },
      );
      expect(await stored(`user_${tag}`)).toEqual({ row: { id: `user_${tag}`, first_name: null }, emails: [`${tag}1@example.com`, `${tag}2@example.com`] });
    }
  });
});
