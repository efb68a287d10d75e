import { AsyncLocalStorage } from 'node:async_hooks';
import type { Actor } from './append-event.js';

/**
 * Who is acting and from where, for the event log: set once per request by the HTTP layer (or per
 * job by a worker) and read where events are appended, so no operation has to thread it through.
 */
export interface AuditContext {
  actor: Actor;
  /** Extra detail about the actor, e.g. the MCP client's name. */
  actorDetail?: string;
  ip?: string;
  userAgent?: string;
}

const storage = new AsyncLocalStorage<AuditContext>();

export function runWithAuditContext<T>(context: AuditContext, work: () => T): T {
  return storage.run(context, work);
}

export function currentAuditContext(): AuditContext | undefined {
  return storage.getStore();
}
