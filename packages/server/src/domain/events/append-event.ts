import type { Insertable } from 'kysely';
import { newId } from '../../crypto/ids.js';
import type { Executor } from '../../store/db.js';
import { insertEvent } from '../../store/repositories/event-repository.js';
import type { ActorType, EventTable } from '../../store/schema.js';
import { currentAuditContext } from './audit-context.js';
import type { EventData, EventType } from './catalog.js';

export interface Actor {
  type: ActorType;
  id: string | null;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null };

export interface NewEvent<T extends EventType = EventType> {
  /** Clerk's webhook event type (`user.updated`) or a security event (`secret_key.revoked`). */
  type: T;
  /** The webhook payload's `data` (from the catalog's `eventData`): the object as it stood after the change. */
  data: EventData<T>;
  /** For updates, the object before the change: the event keeps a field-level diff of the two. */
  before?: EventData<T> | undefined;
  subjectUserId?: string | null;
  subjectOrganizationId?: string | null;
  /** Overrides the request's actor (e.g. the system ending sessions on its own). */
  actor?: Actor;
}

/**
 * Keys whose values never enter an event, wherever they appear: they are kept (so payloads keep
 * their shape) but nulled. An invitation's `url` carries its ticket.
 */
const SECRET_KEYS = new Set(['password', 'password_digest', 'secret', 'token', 'ticket', 'code', 'url', 'private_key', 'jwt']);

function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.has(k) ? null : scrub(v)]));
}

/** `{field: [before, after]}` for top-level fields that differ, `updated_at` aside. */
export function diffOf(before: unknown, after: unknown): Record<string, [unknown, unknown]> | undefined {
  if (typeof before !== 'object' || before === null || typeof after !== 'object' || after === null) return undefined;
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  const diff: Record<string, [unknown, unknown]> = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (key === 'updated_at') continue;
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) diff[key] = [a[key] ?? null, b[key] ?? null];
  }
  return Object.keys(diff).length > 0 ? diff : undefined;
}

/**
 * The stored row of one event: the actor, IP and user agent come from the audit context of the
 * request or job, and secrets (passwords, tokens, tickets, URLs carrying tickets) are dropped.
 */
export function eventRow<T extends EventType>(event: NewEvent<T>, now: number): Insertable<EventTable> {
  const audit = currentAuditContext();
  const actor = event.actor ?? audit?.actor ?? SYSTEM_ACTOR;
  const data = scrub(event.data);
  const diff = event.before === undefined ? undefined : diffOf(scrub(event.before), data);
  return {
    id: newId('evt', now),
    type: event.type,
    data: JSON.stringify(data),
    actor_type: actor.type,
    actor_id: actor.id,
    actor_detail: audit?.actorDetail ?? null,
    ip: audit?.ip ?? null,
    user_agent: audit?.userAgent ?? null,
    subject_user_id: event.subjectUserId ?? null,
    subject_organization_id: event.subjectOrganizationId ?? null,
    diff: diff ? JSON.stringify(diff) : null,
    created_at: now,
  };
}

/** Appends one event in the caller's transaction, so it commits or rolls back with the change it describes. */
export async function appendEvent<T extends EventType>(db: Executor, event: NewEvent<T>, now: number): Promise<void> {
  await insertEvent(db, eventRow(event, now));
}
