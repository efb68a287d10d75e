import { notFound } from '../../errors.js';
import { deleteUserRow } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import { endUserSessions } from '../sessions/sessions.js';
import type { DeletedObject } from './user.js';

/** Deletes the user and, by cascade in the same statement, its identifications, memberships, sessions and search line. */
export async function deleteUser(ctx: DomainContext, userId: string): Promise<DeletedObject> {
  return ctx.store.transaction(async (trx) => {
    const row = await trx.selectFrom('users').select(['id', 'external_id']).where('id', '=', userId).executeTakeFirst();
    if (!row) throw notFound();
    // Sessions go with the user (cascade); record their end first so readers of the log see it.
    await endUserSessions(trx, ctx.now(), userId, 'removed');
    if (!(await deleteUserRow(trx, userId))) throw notFound();
    return { object: 'user', id: row.id, deleted: true, externalId: row.external_id };
  });
}
