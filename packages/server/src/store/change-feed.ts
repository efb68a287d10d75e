import pg from 'pg';

/** A write to a table, as precisely as this process can tell. */
export interface TableChange {
  table: string;
  /**
   * `insert` only adds rows; `write` may have changed any row in any way (an upsert, a merge, a
   * notification from another process).
   */
  kind: 'insert' | 'update' | 'delete' | 'write';
  /** For an update, the columns it set. */
  columns?: readonly string[];
}

/** Hears a change; `undefined`: anything may have changed. */
export type ChangeListener = (change: TableChange | undefined) => void;

/**
 * Tells in-memory caches that rows they copied may have changed in the store, including changes
 * committed by other processes (another server, `gatehouse keys revoke`). A cache may answer in
 * place of the store only while the feed is `live`; whenever it cannot vouch for having heard of
 * every change (not yet listening, connection lost), listeners hear `undefined`: forget everything.
 */
export interface ChangeFeed {
  readonly live: boolean;
  /** Returns an unsubscribe function. */
  subscribe(listener: ChangeListener): () => void;
  /**
   * Announces, in this process and at once, a write this process has just made (see
   * write-announcer.ts); `undefined`: one it cannot describe.
   */
  announce(change: TableChange | undefined): void;
  close(): Promise<void>;
}

/** The channel the `gatehouse_announce_change` trigger function notifies, with the table's name. */
export const CHANGE_CHANNEL = 'gatehouse_changes';

/** How the listening connection names itself in pg_stat_activity. */
export const CHANGE_FEED_APPLICATION_NAME = 'gatehouse-change-feed';

class Listeners {
  private readonly listeners = new Set<ChangeListener>();

  add(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(change: TableChange | undefined): void {
    for (const listener of this.listeners) listener(change);
  }
}

/**
 * SQLite: this process's own commits are announced by the write announcer. Commits by another
 * process on the same file (`gatehouse keys revoke`, a second server) bump the connection's
 * `PRAGMA data_version`, which is read whenever a cache asks whether it may answer: a few
 * microseconds, against the queries a cache hit saves.
 */
export function sqliteChangeFeed(readDataVersion: () => number): ChangeFeed {
  const listeners = new Listeners();
  let closed = false;
  let seen = readDataVersion();
  return {
    get live() {
      if (closed) return false;
      const version = readDataVersion();
      if (version !== seen) {
        seen = version;
        listeners.emit(undefined);
      }
      return true;
    },
    subscribe: (listener) => listeners.add(listener),
    announce: (change) => listeners.emit(change),
    async close() {
      closed = true;
      listeners.emit(undefined);
    },
  };
}

const RECONNECT_DELAYS_MS = [100, 1000, 5000, 30_000];

/**
 * PostgreSQL: one dedicated connection LISTENs for the trigger's notifications, which PostgreSQL
 * delivers only after the writing transaction commits. Live from the moment LISTEN succeeds until
 * the connection fails; then it reconnects, backing off, and is live again once listening.
 */
export function postgresChangeFeed(clientConfig: pg.ClientConfig): ChangeFeed {
  const listeners = new Listeners();
  let live = false;
  let closed = false;
  let client: pg.Client | undefined;
  let attempt = 0;
  let retryTimer: NodeJS.Timeout | undefined;

  const lost = (failed: pg.Client) => {
    if (client !== failed) return;
    client = undefined;
    live = false;
    listeners.emit(undefined);
    failed.removeAllListeners('notification');
    void failed.end().catch(() => undefined);
    if (closed) return;
    const delay = RECONNECT_DELAYS_MS[Math.min(attempt, RECONNECT_DELAYS_MS.length - 1)] ?? 30_000;
    attempt++;
    retryTimer = setTimeout(connect, delay);
    retryTimer.unref();
  };

  const connect = () => {
    if (closed) return;
    const next = new pg.Client(clientConfig);
    client = next;
    next.on('error', () => lost(next));
    next.on('end', () => lost(next));
    next.on('notification', (message) => {
      if (message.channel !== CHANGE_CHANNEL) return;
      // The trigger says only which table: any row of it may have changed.
      listeners.emit(message.payload ? { table: message.payload, kind: 'write' } : undefined);
    });
    next
      .connect()
      .then(() => next.query(`LISTEN ${CHANGE_CHANNEL}`))
      .then(() => {
        if (client !== next || closed) return;
        attempt = 0;
        // Whatever was cached before this moment may have missed a notification.
        listeners.emit(undefined);
        live = true;
      })
      .catch(() => lost(next));
  };

  let started = false;
  return {
    get live() {
      return live;
    },
    // The connection opens with the first subscriber: a CLI command that caches nothing never opens it.
    subscribe: (listener) => {
      const unsubscribe = listeners.add(listener);
      if (!started) {
        started = true;
        connect();
      }
      return unsubscribe;
    },
    announce: (change) => listeners.emit(change),
    async close() {
      closed = true;
      live = false;
      if (retryTimer) clearTimeout(retryTimer);
      const current = client;
      client = undefined;
      listeners.emit(undefined);
      if (current) await current.end().catch(() => undefined);
    },
  };
}
