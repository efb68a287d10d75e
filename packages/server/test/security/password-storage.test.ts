import { hash } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needsRehash } from '../../src/crypto/password/index.js';
import { FapiBrowser } from '../support/fapi-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Password storage: argon2id at today's parameters with a salt of its own per hash, and a digest
 * made with weaker parameters (an older Gatehouse, a lowered setting) replaced by the first sign-in
 * that proves the password — never kept weaker than the policy.
 */
let t: TestServer;
const PASSWORD = 'correct horse battery staple 42';

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

async function storedDigest(userId: string): Promise<{ password_digest: string | null; password_hasher: string | null }> {
  return t.server.store.db.selectFrom('users').select(['password_digest', 'password_hasher']).where('id', '=', userId).executeTakeFirstOrThrow();
}

describe('password storage', () => {
  it('salts every hash: one password for two users gives two digests, both at the current parameters', async () => {
    const [a, b] = await Promise.all(
      ['one', 'two'].map((n) => t.clerk.users.createUser({ emailAddress: [`same-${n}.${Date.now()}@storage.test`], password: PASSWORD })),
    );
    const [da, db] = await Promise.all([storedDigest(a!.id), storedDigest(b!.id)]);
    expect(da.password_digest).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(da.password_digest).not.toBe(db.password_digest);
    expect(needsRehash(da.password_digest!)).toBe(false);
  });

  it('rehashes at sign-in a digest made with weaker argon2id parameters, and keeps the password working', async () => {
    const email = `weak.${Date.now()}@storage.test`;
    const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
    const weak = await hash(PASSWORD, { algorithm: 2, memoryCost: 4096, timeCost: 1, parallelism: 1 });
    await t.server.store.db.updateTable('users').set({ password_digest: weak }).where('id', '=', user.id).execute();
    expect(needsRehash(weak)).toBe(true);

    // A wrong password changes nothing.
    const wrong = await new FapiBrowser(t.url).call('POST', '/client/sign_ins', { identifier: email, password: 'not the password 9' });
    expect(wrong.body.errors?.[0]?.code).toBe('form_password_incorrect');
    expect((await storedDigest(user.id)).password_digest).toBe(weak);

    const b = new FapiBrowser(t.url);
    const signedIn = await b.call('POST', '/client/sign_ins', { identifier: email, password: PASSWORD });
    expect((signedIn.body.response as { status: string }).status).toBe('complete');
    const upgraded = await storedDigest(user.id);
    expect(upgraded.password_digest).not.toBe(weak);
    expect(upgraded.password_digest).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(upgraded.password_hasher).toBe('gatehouse');

    const again = await new FapiBrowser(t.url).call('POST', '/client/sign_ins', { identifier: email, password: PASSWORD });
    expect((again.body.response as { status: string }).status).toBe('complete');
    expect([...b.specFailures]).toEqual([]);
  });
});
