import type { Executor } from '../db.js';

export async function readInstanceSettingsRow(db: Executor): Promise<{ settings: string; updated_at: number } | undefined> {
  return db.selectFrom('instance_settings').select(['settings', 'updated_at']).where('singleton', '=', 1).executeTakeFirst();
}

export async function writeInstanceSettingsRow(db: Executor, settings: string, now: number): Promise<void> {
  await db
    .insertInto('instance_settings')
    .values({ singleton: 1, settings, updated_at: now })
    .onConflict((oc) => oc.column('singleton').doUpdateSet({ settings, updated_at: now }))
    .execute();
}
