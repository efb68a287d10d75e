import type { Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * Who may sign up and in (Clerk's restrictions): identifiers on the allowlist or the blocklist —
 * an email address, every address at a domain (`*@example.com`), or a phone number — each once
 * per list. Whether each list applies is an instance setting.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('restriction_identifiers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('list', 'text', (c) => c.notNull())
    .addColumn('identifier', 'text', (c) => c.notNull())
    .addColumn('identifier_type', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('restriction_identifiers_list_identifier', ['list', 'identifier'])
    .execute();
}
