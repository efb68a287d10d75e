import type { Executor } from '../db.js';

export async function insertHandshakePayload(db: Executor, row: { nonce_hash: string; directives: string; expires_at: number; created_at: number }): Promise<void> {
  await db.insertInto('handshake_payloads').values(row).execute();
  // Old payloads nobody collected go with the next one written.
  await db.deleteFrom('handshake_payloads').where('expires_at', '<=', row.created_at).execute();
}

/** Takes a payload once: it is deleted as it is read, so a nonce cannot be replayed. */
export async function takeHandshakePayload(db: Executor, nonceHash: string, now: number): Promise<string | undefined> {
  const row = await db.deleteFrom('handshake_payloads').where('nonce_hash', '=', nonceHash).where('expires_at', '>', now).returning('directives').executeTakeFirst();
  return row?.directives;
}
