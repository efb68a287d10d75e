import { describe, expect, it } from 'vitest';
import { newId, newTokenId } from '../../src/crypto/ids.js';
import { randomIdentifierBytes } from '../../src/crypto/random-pool.js';

describe('identifiers', () => {
  it('makes Clerk-shaped ids that sort in creation order and never repeat', () => {
    const now = Date.now();
    // Enough ids to draw the random pool dry several times over.
    const ids = Array.from({ length: 20_000 }, () => newId('user', now));
    for (const id of ids) expect(id).toMatch(/^user_[0-9A-Za-z]{27}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(newId('user', now + 1000) > ids[ids.length - 1]!).toBe(true);
  });

  it('makes token ids of 96 random bits as 17 base62 characters, never repeating', () => {
    const jtis = Array.from({ length: 10_000 }, () => newTokenId());
    for (const jti of jtis) expect(jti).toMatch(/^[0-9A-Za-z]{17}$/);
    expect(new Set(jtis).size).toBe(jtis.length);
  });

  it('hands out random bytes each caller owns, fresh on every call', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const bytes = randomIdentifierBytes(16);
      expect(bytes).toHaveLength(16);
      seen.add(Buffer.from(bytes).toString('hex'));
    }
    expect(seen.size).toBe(2000);
    const kept = randomIdentifierBytes(16);
    const copy = Buffer.from(kept).toString('hex');
    for (let i = 0; i < 1000; i++) randomIdentifierBytes(16);
    expect(Buffer.from(kept).toString('hex')).toBe(copy);
  });
});
