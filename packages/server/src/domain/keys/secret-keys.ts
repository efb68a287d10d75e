import { newId } from '../../crypto/ids.js';
import { constantTimeEqual, hashSecret, randomSecret } from '../../crypto/tokens.js';
import type { Store } from '../../store/db.js';
import type { TableChange } from '../../store/change-feed.js';
import { cachePerStore } from '../../store/change-guarded-cache.js';
import { preparedQuery } from '../../store/prepared-query.js';
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

export async function createSecretKey(store: Store, name: string, now = Date.now()): Promise<NewSecretKey> {
  const secret = `sk_live_${randomSecret(32)}`;
  const row = { id: newId('ak', now), name, key_hash: hashSecret(secret), hint: secret.slice(-4), created_at: now, last_used_at: null, revoked_at: null };
  await store.transaction(async (trx) => {
    await trx.insertInto('secret_keys').values(row).execute();
    await appendEvent(trx, { type: 'secret_key.created', data: eventData('secret_key.created', audited(row, null)) }, now);
  });
  return { id: row.id, name, hint: row.hint, createdAt: now, lastUsedAt: null, revokedAt: null, secret };
}

/** What the audit log keeps about a key: never the key or its hash. */
export type AuditedSecretKey = Pick<SecretKeySummary, 'id' | 'name' | 'hint' | 'createdAt' | 'revokedAt'>;

function audited(row: { id: string; name: string; hint: string; created_at: number }, revokedAt: number | null): AuditedSecretKey {
  return { id: row.id, name: row.name, hint: row.hint, createdAt: row.created_at, revokedAt };
}

export async function listSecretKeys(store: Store): Promise<SecretKeySummary[]> {
  const rows = await store.db.selectFrom('secret_keys').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, hint: r.hint, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at }));
}

/**
 * Revocation takes effect on the next request in this process, and in other processes as soon as
 * the store's change feed tells them (PostgreSQL: milliseconds after the commit; SQLite: at their
 * next request, which sees the file's data version move).
 */
export async function revokeSecretKey(store: Store, id: string, now = Date.now()): Promise<boolean> {
  return store.transaction(async (trx) => {
    const result = await trx.updateTable('secret_keys').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    const row = await trx.selectFrom('secret_keys').select(['id', 'name', 'hint', 'created_at']).where('id', '=', id).executeTakeFirstOrThrow();
    await appendEvent(trx, { type: 'secret_key.revoked', data: eventData('secret_key.revoked', audited(row, now)) }, now);
    return true;
  });
}

// Every Backend API request runs this, unless the key cache answers.
const activeKeyByHash = preparedQuery(
  (db, keyHash: string) => db.selectFrom('secret_keys').select(['id', 'key_hash', 'last_used_at']).where('key_hash', '=', keyHash).where('revoked_at', 'is', null),
  1,
);

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
  const [row] = await activeKeyByHash(store.db, keyHash);
  return row ? { id: row.id, lastUsedAt: row.last_used_at } : undefined;
}

export async function authenticateSecretKey(
  store: Store,
  presented: string,
  configuredKey: string | undefined,
  now = Date.now(),
): Promise<SecretKeyPrincipal | undefined> {
  if (configuredKey !== undefined && constantTimeEqual(presented, configuredKey)) return { kind: 'configured_secret_key' };
  const keyHash = hashSecret(presented);
  const cache = keyCacheOf(store);
  const key = cache.get(keyHash) ?? (await cache.load(keyHash, () => activeKey(store, keyHash)));
  if (!key) return undefined;
  if (key.lastUsedAt === null || now - key.lastUsedAt > LAST_USED_RESOLUTION_MS) {
    key.lastUsedAt = now;
    await store.db.updateTable('secret_keys').set({ last_used_at: now }).where('id', '=', key.id).execute();
  }
  return { kind: 'secret_key', keyId: key.id };
}

/**
 * Creates the instance on first start. Returns the first secret key when this call created the
 * instance (the caller shows it once), undefined when the instance already existed.
 */
export async function bootstrapInstance(store: Store, now = Date.now()): Promise<{ instanceId: string; firstKey?: NewSecretKey }> {
  const existing = await store.db.selectFrom('instance').select('id').executeTakeFirst();
  if (existing) return { instanceId: existing.id };
  const instanceId = newId('ins', now);
  const inserted = await store.db
    .insertInto('instance')
    .values({ singleton: 1, id: instanceId, created_at: now })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) {
    const row = await store.db.selectFrom('instance').select('id').executeTakeFirstOrThrow();
    return { instanceId: row.id };
  }
  return { instanceId, firstKey: await createSecretKey(store, 'default', now) };
}
