import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

const KEY_FILE = 'encryption.key';

/**
 * The key that seals secrets at rest: GATEHOUSE_ENCRYPTION_KEY when set, else a random key kept in
 * the data dir (created on first start, mode 0600). Several processes sharing one PostgreSQL
 * database must all be given the same GATEHOUSE_ENCRYPTION_KEY.
 */
export function loadEncryptionKey(configured: Uint8Array | undefined, dataDir: string): { key: Uint8Array; source: 'setting' | 'file' } {
  if (configured) return { key: configured, source: 'setting' };
  const file = path.join(dataDir, KEY_FILE);
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    const key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
    return { key, source: 'file' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32);
  // 'wx' fails if another process created the file first; then read theirs.
  try {
    fs.writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    return { key, source: 'file' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadEncryptionKey(undefined, dataDir);
    throw error;
  }
}
