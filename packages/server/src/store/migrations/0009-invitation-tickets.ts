import type { Kysely } from 'kysely';
import type { Dialect } from '../db.js';

/**
 * A sign-up started from an invitation remembers which one, so that completing it accepts that
 * invitation (and, for an organization invitation, adds the membership) in the same transaction
 * that creates the user. The ticket itself is never stored, only the invitation's id.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('sign_ups').addColumn('invitation_id', 'text').execute();
  await db.schema.alterTable('sign_ups').addColumn('organization_invitation_id', 'text').execute();
  // An opened email link finds the sign-in or sign-up waiting on its verification.
  await db.schema.createIndex('sign_ins_first_factor_verification_idx').on('sign_ins').column('first_factor_verification_id').execute();
  await db.schema.createIndex('sign_ups_email_verification_idx').on('sign_ups').column('email_verification_id').execute();
}
