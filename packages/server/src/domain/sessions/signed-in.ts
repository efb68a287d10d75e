import { GatehouseError } from '../../errors.js';
import { findClientRow } from '../../store/repositories/attempt-repository.js';
import { listClientSessionRows } from '../../store/repositories/session-repository.js';
import type { DomainContext } from '../context.js';
import { effectiveStatus } from './sessions.js';

/** Who a signed-in browser request acts as. */
export interface SignedIn {
  clientId: string;
  sessionId: string;
  userId: string;
}

/**
 * The session a Frontend API request acts in, as clerk-js names it (`_clerk_session_id`), or else
 * the client's last active one. It must be this client's and active: anything else is signed out,
 * whatever the id names elsewhere.
 */
export async function requireSignedIn(ctx: DomainContext, clientId: string | undefined, sessionId: string | undefined): Promise<SignedIn> {
  if (!clientId) throw new GatehouseError('signed_out');
  // clerk-js names the session on every call; the client row is read only when it does not.
  const [sessions, wanted] = await Promise.all([
    listClientSessionRows(ctx.store.db, clientId),
    sessionId ?? findClientRow(ctx.store.db, clientId).then((client) => client?.last_active_session_id ?? undefined),
  ]);
  const now = ctx.now();
  const session = sessions.find((s) => s.id === wanted && effectiveStatus(s, now) === 'active');
  if (!session) throw new GatehouseError('signed_out');
  return { clientId, sessionId: session.id, userId: session.user_id };
}
