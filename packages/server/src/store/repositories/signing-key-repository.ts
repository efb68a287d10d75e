import type { Selectable } from 'kysely';
import type { Executor } from '../db.js';
import type { SigningKeyTable } from '../schema.js';

export type SigningKeyRow = Selectable<SigningKeyTable>;

export async function anySigningKeyExists(db: Executor): Promise<boolean> {
  return (await db.selectFrom('signing_keys').select('kid').executeTakeFirst()) !== undefined;
}

export async function insertSigningKey(db: Executor, row: SigningKeyRow): Promise<void> {
  await db.insertInto('signing_keys').values(row).execute();
}

/** Sets when every key that is not yet retiring stops signing, and when it leaves the JWKS. */
export async function retireSigningKeys(db: Executor, retiresAt: number, expiresAt: number): Promise<void> {
  await db.updateTable('signing_keys').set({ retires_at: retiresAt, expires_at: expiresAt }).where('retires_at', 'is', null).execute();
}

/** Keys still published at `now` (not yet expired), newest activation first. */
export async function listPublishedSigningKeys(db: Executor, now: number): Promise<SigningKeyRow[]> {
  return db
    .selectFrom('signing_keys')
    .selectAll()
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .orderBy('activates_at', 'desc')
    .execute();
}
