import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser, type ClientJSON, type SignInJSON } from '../support/fapi-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Incident class: session fixation. An attacker gets a client token first (their own visit) and
 * plants it in the victim's browser; the victim signs in. The token the attacker kept must not
 * come to hold the victim's session: signing in hands the browser a new client token and the
 * planted one stops naming anything.
 */
let t: TestServer;
const PASSWORD = 'a fixation victim passphrase';

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

async function clientSeenWith(token: string): Promise<ClientJSON | null> {
  const b = new FapiBrowser(t.url);
  b.cookies.set('__client', token);
  return (await b.call('GET', '/client')).body.response as ClientJSON | null;
}

describe('session fixation', () => {
  it.each(['in one step (identifier and password together)', 'in two steps (identifier, then the password)'])('gives the planted client token nothing once the victim signs in %s', async (how) => {
    const email = `fixation.${how.length}.${Date.now()}@security.test`;
    const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
    // The attacker's own visit makes a client; they keep its token and plant it in the victim's browser.
    const attacker = new FapiBrowser(t.url);
    expect((await attacker.call('POST', '/client/sign_ins', {})).status).toBe(200);
    const planted = attacker.cookies.get('__client')!;
    const victim = new FapiBrowser(t.url);
    victim.cookies.set('__client', planted);

    if (how.startsWith('in one step')) {
      const done = await victim.call('POST', '/client/sign_ins', { identifier: email, password: PASSWORD, strategy: 'password' });
      expect((done.body.response as SignInJSON).status).toBe('complete');
    } else {
      const started = (await victim.call('POST', '/client/sign_ins', { identifier: email })).body.response as SignInJSON;
      const done = await victim.call('POST', `/client/sign_ins/${started.id}/attempt_first_factor`, { strategy: 'password', password: PASSWORD });
      expect((done.body.response as SignInJSON).status).toBe('complete');
    }

    const fresh = victim.cookies.get('__client')!;
    expect(fresh).not.toBe(planted);
    expect((await clientSeenWith(fresh))?.sessions.map((s) => s.user.id)).toEqual([user.id]);
    const seenByAttacker = await clientSeenWith(planted);
    expect(seenByAttacker?.sessions ?? []).toEqual([]);
  });
});
