import { createLocalJWKSet, jwtVerify } from 'jose';
import { hashSecret, randomSecret, constantTimeEqual } from '../../crypto/tokens.js';
import { GatehouseError, notFound, paramError } from '../../errors.js';
import type { DomainContext } from '../context.js';
import { signClaims } from './session-token.js';
import { toSession, type Session } from './sessions.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from './signing-keys.js';

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
  const [rows, sessions] = await Promise.all([
    ctx.store.db.selectFrom('clients').selectAll().where('id', 'in', [...ids]).execute(),
    ctx.store.db.selectFrom('sessions').selectAll().where('client_id', 'in', [...ids]).orderBy('created_at').orderBy('id').execute(),
  ]);
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

export async function listClients(ctx: DomainContext, page: { limit: number; offset: number }): Promise<{ items: Client[]; totalCount: number }> {
  const [rows, total] = await Promise.all([
    ctx.store.db.selectFrom('clients').select('id').orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute(),
    ctx.store.db.selectFrom('clients').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: await loadClients(ctx, rows.map((r) => r.id)), totalCount: Number(total.n) };
}

/**
 * The client token a browser holds (the `__client` cookie): a JWT naming the client and carrying a
 * rotating secret whose hash the client row keeps, so a stolen old token stops working once the
 * client rotates. Issued by the Frontend API; `POST /v1/clients/verify` checks one.
 */
export async function issueClientToken(ctx: DomainContext, clientId: string): Promise<string> {
  const rotating = randomSecret(32);
  const result = await ctx.store.db
    .updateTable('clients')
    .set({ rotating_token_hash: hashSecret(rotating), updated_at: ctx.now() })
    .where('id', '=', clientId)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw notFound();
  const { jwt } = await signClaims(ctx, { id: clientId, rotating_token: rotating }, MAX_TOKEN_LIFETIME_SECONDS);
  return jwt;
}

export async function verifyClientToken(ctx: DomainContext, token: string): Promise<Client> {
  const invalid = () => paramError('form_param_format_invalid', 'token', 'token is not a valid client token.');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, createLocalJWKSet(await ctx.signingKeys.jwks()), { algorithms: ['RS256'] }));
  } catch {
    throw invalid();
  }
  const clientId = payload['id'];
  const rotating = payload['rotating_token'];
  if (typeof clientId !== 'string' || typeof rotating !== 'string') throw invalid();
  const row = await ctx.store.db.selectFrom('clients').select(['rotating_token_hash']).where('id', '=', clientId).executeTakeFirst();
  if (!row) throw notFound();
  if (!row.rotating_token_hash || !constantTimeEqual(row.rotating_token_hash, hashSecret(rotating))) {
    throw new GatehouseError('form_param_format_invalid', { meta: { param_name: 'token' }, longMessage: 'This client token has been rotated out.' });
  }
  return getClient(ctx, clientId);
}
