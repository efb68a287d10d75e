import { newId } from '../../crypto/ids.js';
import { constantTimeEqual, hashSecret, randomSecret } from '../../crypto/tokens.js';
import type { Store } from '../../store/db.js';
import type { TableChange } from '../../store/change-feed.js';
import { cachePerStore } from '../../store/change-guarded-cache.js';
import {
  findActiveKeyByHash,
  insertSecretKey,
  insertInstanceOnce,
  listSecretKeyRows,
  readInstanceId,
  recordSecretKeyUse,
  revokeSecretKeyRow,
  type SecretKeyRow,
} from '../../store/repositories/secret-key-repository.js';
import type { DomainContext } from '../context.js';
import { appendEvent } from '../events/append-event.js';
import { eventData } from '../events/catalog.js';

/**
 * Backend API secret keys: `sk_live_` + 256 random bits, shown once, stored only as SHA-256.
 * A presented key is found by its hash (an indexed lookup an attacker cannot steer), so checking
 * a key costs at most one query whatever it is, and none once an active key is cached.
 */

export interface SecretKeySummary {
  id: string;
  name: string;
  hint: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface NewSecretKey extends SecretKeySummary {
  /** The key itself: returned at creation only, never stored. */
  secret: string;
}

export type SecretKeyPrincipal = { kind: 'secret_key'; keyId: string } | { kind: 'configured_secret_key' };

// Writing last_used_at on every request would turn each read into a write; a minute is precise
// enough to tell an operator whether a key is still in use.
const LAST_USED_RESOLUTION_MS = 60_000;

/** Key operations run before a full domain context exists (first start, the CLI): they need only the store and the clock. */
export type KeyContext = Pick<DomainContext, 'store' | 'now'>;

export async function createSecretKey(ctx: KeyContext, name: string): Promise<NewSecretKey> {
  const now = ctx.now();
  const secret = `sk_live_${randomSecret(32)}`;
  const row = { id: newId('ak', now), name, key_hash: hashSecret(secret), hint: secret.slice(-4), created_at: now, last_used_at: null, revoked_at: null };
  await ctx.store.transaction(async (trx) => {
    await insertSecretKey(trx, row);
    await appendEvent(trx, { type: 'secret_key.created', data: eventData('secret_key.created', audited(row)) }, now);
  });
  return { ...toSummary(row), secret };
}

/** What the audit log keeps about a key: never the key or its hash. */
export type AuditedSecretKey = Pick<SecretKeySummary, 'id' | 'name' | 'hint' | 'createdAt' | 'revokedAt'>;

function toSummary(row: SecretKeyRow): SecretKeySummary {
  return { id: row.id, name: row.name, hint: row.hint, createdAt: row.created_at, lastUsedAt: row.last_used_at, revokedAt: row.revoked_at };
}

function audited(row: SecretKeyRow): AuditedSecretKey {
  return { id: row.id, name: row.name, hint: row.hint, createdAt: row.created_at, revokedAt: row.revoked_at };
}

export async function listSecretKeys(ctx: KeyContext): Promise<SecretKeySummary[]> {
  return (await listSecretKeyRows(ctx.store.db)).map(toSummary);
}

/**
 * Revocation takes effect on the next request in this process, and in other processes as soon as
 * the store's change feed tells them (PostgreSQL: milliseconds after the commit; SQLite: at their
 * next request, which sees the file's data version move).
 */
export async function revokeSecretKey(ctx: KeyContext, id: string): Promise<boolean> {
  const now = ctx.now();
  return ctx.store.transaction(async (trx) => {
    const row = await revokeSecretKeyRow(trx, id, now);
    if (!row) return false;
    await appendEvent(trx, { type: 'secret_key.revoked', data: eventData('secret_key.revoked', audited(row)) }, now);
    return true;
  });
}

interface ActiveKey {
  id: string;
  lastUsedAt: number | null;
}

/** Far more than any instance holds; only keys that authenticated are ever cached. */
const MAX_CACHED_KEYS = 1000;

/** Any change to secret_keys, except the once-a-minute `last_used_at` bookkeeping. */
function affectsActiveKeys(change: TableChange): boolean {
  if (change.table !== 'secret_keys') return false;
  return !(change.kind === 'update' && change.columns?.every((column) => column === 'last_used_at'));
}

/** Active keys by hash: on PostgreSQL this saves a round trip on every Backend API request. */
const keyCacheOf = cachePerStore<string, ActiveKey>(affectsActiveKeys, MAX_CACHED_KEYS);

async function activeKey(store: Store, keyHash: string): Promise<ActiveKey | undefined> {
  const row = await findActiveKeyByHash(store.db, keyHash);
  return row ? { id: row.id, lastUsedAt: row.last_used_at } : undefined;
}

export async function authenticateSecretKey(ctx: KeyContext, presented: string, configuredKey: string | undefined): Promise<SecretKeyPrincipal | undefined> {
  if (configuredKey !== undefined && constantTimeEqual(presented, configuredKey)) return { kind: 'configured_secret_key' };
  const keyHash = hashSecret(presented);
  const cache = keyCacheOf(ctx.store);
  const key = cache.get(keyHash) ?? (await cache.load(keyHash, () => activeKey(ctx.store, keyHash)));
  if (!key) return undefined;
  const now = ctx.now();
  if (key.lastUsedAt === null || now - key.lastUsedAt > LAST_USED_RESOLUTION_MS) {
    key.lastUsedAt = now;
    await recordSecretKeyUse(ctx.store.db, key.id, now);
  }
  return { kind: 'secret_key', keyId: key.id };
}

/**
 * Creates the instance on first start. Returns the first secret key when this call created the
 * instance (the caller shows it once), undefined when the instance already existed.
 */
export async function bootstrapInstance(ctx: KeyContext): Promise<{ instanceId: string; firstKey?: NewSecretKey }> {
  const existing = await readInstanceId(ctx.store.db);
  if (existing) return { instanceId: existing };
  const now = ctx.now();
  const instanceId = newId('ins', now);
  if (!(await insertInstanceOnce(ctx.store.db, instanceId, now))) {
    const winner = await readInstanceId(ctx.store.db);
    if (!winner) throw new Error('the instance row vanished while starting');
    return { instanceId: winner };
  }
  return { instanceId, firstKey: await createSecretKey(ctx, 'default') };
}
