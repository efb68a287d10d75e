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
  const [client, sessions] = await Promise.all([findClientRow(ctx.store.db, clientId), listClientSessionRows(ctx.store.db, clientId)]);
  const now = ctx.now();
  const wanted = sessionId ?? client?.last_active_session_id ?? undefined;
  const session = sessions.find((s) => s.id === wanted && effectiveStatus(s, now) === 'active');
  if (!client || !session) throw new GatehouseError('signed_out');
  return { clientId, sessionId: session.id, userId: session.user_id };
}
