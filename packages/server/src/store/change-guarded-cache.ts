import type { ChangeFeed, TableChange } from './change-feed.js';
import type { Store } from './db.js';

/**
 * Copies of store rows kept in memory, trusted only while the store's change feed is live, and
 * forgotten whenever it reports a change `affects` them (or may have missed one). `affects` must
 * say yes to any change of any table the values are derived from, unless the change provably
 * leaves every cached value as it is: a wrong no is a stale answer.
 */
export class ChangeGuardedCache<K, V> {
  private readonly entries = new Map<K, V>();
  /** Bumped by every change heard: a load that straddles one must not fill the cache. */
  private generation = 0;

  constructor(
    private readonly changes: ChangeFeed,
    affects: (change: TableChange) => boolean,
    private readonly maxEntries: number,
  ) {
    changes.subscribe((change) => {
      if (change !== undefined && !affects(change)) return;
      this.generation++;
      this.entries.clear();
    });
  }

  /** The cached value, or undefined when there is none or the feed cannot vouch for it. */
  get(key: K): V | undefined {
    if (this.entries.size === 0) return undefined;
    return this.changes.live ? this.entries.get(key) : undefined;
  }

  /** Reads through `load`, and keeps what it returned unless a change was heard meanwhile. */
  async load(key: K, load: () => Promise<V | undefined>): Promise<V | undefined> {
    // Asking first lets the feed report a change it has only now noticed before the snapshot.
    const wasLive = this.changes.live;
    const generation = this.generation;
    const value = await load();
    if (value !== undefined && wasLive && this.changes.live && generation === this.generation) {
      if (this.entries.size >= this.maxEntries) {
        // Oldest first: Maps iterate in insertion order.
        const oldest = this.entries.keys().next();
        if (!oldest.done) this.entries.delete(oldest.value);
      }
      this.entries.set(key, value);
    }
    return value;
  }
}

/** A cache per store, made on a store's first use (servers and tests may hold several stores). */
export function cachePerStore<K, V>(affects: (change: TableChange) => boolean, maxEntries: number): (store: Store) => ChangeGuardedCache<K, V> {
  const caches = new WeakMap<Store, ChangeGuardedCache<K, V>>();
  return (store) => {
    let cache = caches.get(store);
    if (!cache) {
      cache = new ChangeGuardedCache<K, V>(store.changes, affects, maxEntries);
      caches.set(store, cache);
    }
    return cache;
  };
}
