import { notFound } from '../../errors.js';
import { deleteImage } from '../../store/repositories/image-repository.js';
import { deleteUserRow, readUserIdentity } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import { appendEvent } from '../events/append-event.js';
import { eventData } from '../events/catalog.js';
import { recordMembershipsRemovedWithUser } from '../organizations/memberships.js';
import { endUserSessions } from '../sessions/sessions.js';
import type { DeletedObject } from '../deleted-object.js';

/** Deletes the user and, by cascade in the same statement, its identifications, memberships, sessions and search line. */
export async function deleteUser(ctx: DomainContext, userId: string): Promise<DeletedObject> {
  return ctx.store.transaction(async (trx) => {
    const row = await readUserIdentity(trx, userId);
    if (!row) throw notFound();
    // Memberships and sessions go with the user (cascade); record their end first so readers of
    // the log see it. Memberships first: they take the user's row lock before sessions are touched.
    await recordMembershipsRemovedWithUser(ctx, trx, userId);
    await endUserSessions(ctx, trx, userId, 'removed');
    if (!(await deleteUserRow(trx, userId))) throw notFound();
    if (row.image_id) await deleteImage(trx, row.image_id);
    const deleted: DeletedObject = { object: 'user', id: row.id, deleted: true, externalId: row.external_id };
    await appendEvent(trx, { type: 'user.deleted', data: eventData('user.deleted', deleted), subjectUserId: userId }, ctx.now());
    return deleted;
  });
}
