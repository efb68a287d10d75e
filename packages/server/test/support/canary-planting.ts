import { sql } from 'kysely';
import type { Store } from '../../src/store/db.js';
import { canary } from './leak-canary.js';

/**
 * Plants the private-metadata canary on every user and organization a test store receives with
 * empty private metadata, so that the reply watch (reply-watch.ts) searches every Frontend API
 * reply and token of the suite for something real to leak. Tests that read private metadata back
 * exactly start their server with `{ plantCanary: false }`.
 */
export async function plantCanaryTriggers(store: Store): Promise<void> {
  const tables = ['users', 'organizations'] as const;
  if (store.dialect === 'sqlite') {
    for (const table of tables) {
      const value = JSON.stringify({ gatehouse_test: canary(table) });
      await sql
        .raw(
          `create trigger if not exists plant_canary_${table} after insert on ${table} when new.private_metadata = '{}' ` +
            `begin update ${table} set private_metadata = '${value}' where id = new.id; end`,
        )
        .execute(store.db);
    }
    return;
  }
  await sql
    .raw(
      `create or replace function plant_canary() returns trigger language plpgsql as $$ begin ` +
        `if new.private_metadata = '{}' then new.private_metadata := json_build_object('gatehouse_test', '${canary('')}' || tg_table_name)::text; end if; return new; end $$`,
    )
    .execute(store.db);
  for (const table of tables) {
    await sql.raw(`create or replace trigger plant_canary_${table} before insert on ${table} for each row execute function plant_canary()`).execute(store.db);
  }
}
