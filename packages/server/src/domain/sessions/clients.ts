import { hashSecret, randomSecret, constantTimeEqual } from '../../crypto/tokens.js';
import { GatehouseError, notFound, paramError } from '../../errors.js';
import { listClientIds, loadClientRows, readClientRotatingTokenHash, setClientRotatingTokenHash } from '../../store/repositories/session-repository.js';
import type { DomainContext } from '../context.js';
import { toSession, type Session } from './sessions.js';
import type { Page } from '../page.js';

export interface Client {
  id: string;
  sessions: Session[];
  lastActiveSessionId: string | null;
  createdAt: number;
  updatedAt: number;
}

async function loadClients(ctx: DomainContext, ids: readonly string[]): Promise<Client[]> {
  if (ids.length === 0) return [];
  const now = ctx.now();
  const { clients: rows, sessions } = await loadClientRows(ctx.store.db, ids);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    if (!row) return [];
    return [
      {
        id: row.id,
        sessions: sessions.filter((s) => s.client_id === id).map((s) => toSession(s, now)),
        lastActiveSessionId: row.last_active_session_id,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      },
    ];
  });
}

export async function getClient(ctx: DomainContext, clientId: string): Promise<Client> {
  const [client] = await loadClients(ctx, [clientId]);
  if (!client) throw notFound();
  return client;
}

export async function listClients(ctx: DomainContext, page: { limit: number; offset: number }): Promise<Page<Client>> {
  const { ids, total } = await listClientIds(ctx.store.db, page);
  return { items: await loadClients(ctx, ids), totalCount: total };
}

/**
 * The client token a browser holds (the `__client` cookie): the client's id and a random rotating
 * secret, of which the client row keeps only the hash, so a stolen old token stops working once
 * the client rotates. Nothing in it needs a signature: the secret alone proves the holder, and
 * checking it is one primary-key read and one hash, with no public-key operation on every Frontend
 * API request. Issued by the Frontend API; `POST /v1/clients/verify` checks one.
 */
export async function issueClientToken(ctx: DomainContext, clientId: string): Promise<string> {
  const { token, hash } = newClientToken(clientId);
  if (!(await setClientRotatingTokenHash(ctx.store.db, clientId, hash, ctx.now()))) throw notFound();
  return token;
}

/** A fresh token for a client, and the hash its row keeps (a new client is inserted with it). */
export function newClientToken(clientId: string): { token: string; hash: string } {
  const rotating = randomSecret(32);
  return { token: `${clientId}.${rotating}`, hash: hashSecret(rotating) };
}

const CLIENT_TOKEN = /^(client_[A-Za-z0-9]{1,64})\.([A-Za-z0-9]{32,128})$/;

type TokenCheck = { clientId: string } | { refused: 'invalid' | 'unknown' | 'rotated' };

/** Reads a client token: the client it names, or why it is refused. Never throws for a bad token. */
async function checkClientToken(ctx: DomainContext, token: string): Promise<TokenCheck> {
  const match = CLIENT_TOKEN.exec(token);
  if (!match) return { refused: 'invalid' };
  const [, clientId, rotating] = match as unknown as [string, string, string];
  const row = await readClientRotatingTokenHash(ctx.store.db, clientId);
  if (!row) return { refused: 'unknown' };
  if (!row.rotating_token_hash || !constantTimeEqual(row.rotating_token_hash, hashSecret(rotating))) return { refused: 'rotated' };
  return { clientId };
}

/** The client a browser's `__client` token names, when the token is valid and current. */
export async function clientIdFromToken(ctx: DomainContext, token: string): Promise<string | undefined> {
  const check = await checkClientToken(ctx, token);
  return 'clientId' in check ? check.clientId : undefined;
}

export async function verifyClientToken(ctx: DomainContext, token: string): Promise<Client> {
  const check = await checkClientToken(ctx, token);
  if ('clientId' in check) return getClient(ctx, check.clientId);
  if (check.refused === 'unknown') throw notFound();
  if (check.refused === 'rotated') {
    throw new GatehouseError('form_param_format_invalid', { meta: { param_name: 'token' }, longMessage: 'This client token has been rotated out.' });
  }
  throw paramError('form_param_format_invalid', 'token', 'token is not a valid client token.');
}
