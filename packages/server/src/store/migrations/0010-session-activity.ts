import type { Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * Where a session was last used from, as the person's list of signed-in devices shows it: the
 * address and the browser's user agent of its start and of each touch since. Nothing else about
 * the request is kept. And the lookup of the code last sent to an address a person is adding.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('activity_ip', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('activity_user_agent', 'text').execute();
  // A code sent to one of a signed-in person's addresses is found by the address it verifies.
  await db.schema.createIndex('verifications_email_address_idx').on('verifications').columns(['email_address_id', 'client_id']).execute();
}
