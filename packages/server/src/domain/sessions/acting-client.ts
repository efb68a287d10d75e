import { newId } from '../../crypto/ids.js';
import type { Executor } from '../../store/db.js';
import { insertClientOnce } from '../../store/repositories/attempt-repository.js';
import type { ClientRow } from '../../store/repositories/session-repository.js';
import type { DomainContext } from '../context.js';
import { newClientToken } from './clients.js';

/**
 * The client a request acts for. One the request starts is not written up front: its row goes in
 * with the first write made on it (a sign-in or sign-up), so a one-call sign-in commits once.
 */
export interface ActingClient {
  id: string;
  /** The row of a client this request started (null for one it found): the first write on the client stores it. */
  unsaved: ClientRow | null;
}

/** A new, empty client for a browser, with the token its `__client` cookie will hold; not yet stored. */
export function newBrowserClient(ctx: DomainContext): { client: ActingClient; token: string } {
  const now = ctx.now();
  const id = newId('client', now);
  const { token, hash } = newClientToken(id);
  return { client: { id, unsaved: { id, rotating_token_hash: hash, last_active_session_id: null, sign_in_id: null, sign_up_id: null, created_at: now, updated_at: now } }, token };
}

/** Stores a client this request started, in the caller's transaction; again in the same request, nothing. */
export async function storeActingClient(trx: Executor, client: ActingClient): Promise<void> {
  if (client.unsaved) await insertClientOnce(trx, client.unsaved);
}
