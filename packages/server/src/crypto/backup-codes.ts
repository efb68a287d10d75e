import { randomInt } from 'node:crypto';

/**
 * Backup codes: 14 characters from 32 that cannot be mistaken for one another (no l, o, 0, 1),
 * 70 bits each, so guessing one is hopeless and a stored keyed hash cannot be searched.
 */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const LENGTH = 14;
export const BACKUP_CODE_COUNT = 10;

export function newBackupCode(): string {
  let code = '';
  for (let i = 0; i < LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** What a person typed, as it was issued: case, spaces and dashes do not matter. */
export function normalizeBackupCode(input: string): string {
  return input.toLowerCase().replace(/[\s-]/g, '');
}
