import { newId } from '../../crypto/ids.js';
import type { Executor } from '../../store/db.js';
import type { ActorType } from '../../store/schema.js';

export interface Actor {
  type: ActorType;
  id: string | null;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null };

/**
 * Appends one event in the caller's transaction, so it commits or rolls back with the change it
 * describes. `data` is the domain object as it stood after the change; readers (webhooks, audit)
 * shape it for their audience.
 */
export async function appendEvent(
  db: Executor,
  event: { type: string; data: unknown; actor?: Actor; subjectUserId?: string | null; subjectOrganizationId?: string | null },
  now: number,
): Promise<void> {
  const actor = event.actor ?? SYSTEM_ACTOR;
  await db
    .insertInto('events')
    .values({
      id: newId('evt', now),
      type: event.type,
      data: JSON.stringify(event.data),
      actor_type: actor.type,
      actor_id: actor.id,
      subject_user_id: event.subjectUserId ?? null,
      subject_organization_id: event.subjectOrganizationId ?? null,
      created_at: now,
    })
    .execute();
}
