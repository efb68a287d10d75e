import { notFound } from '../../errors.js';
import { deleteUserRow } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import type { DeletedObject } from './user.js';

/** Deletes the user and, by cascade in the same statement, its identifications and search line. */
export async function deleteUser(ctx: DomainContext, userId: string): Promise<DeletedObject> {
  return ctx.store.transaction(async (trx) => {
    const row = await trx.selectFrom('users').select(['id', 'external_id']).where('id', '=', userId).executeTakeFirst();
    if (!row || !(await deleteUserRow(trx, userId))) throw notFound();
    return { object: 'user', id: row.id, deleted: true, externalId: row.external_id };
  });
}
