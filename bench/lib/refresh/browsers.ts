/**
 * The browsers the refresh bench drives: users seeded straight into the store with one shared
 * password, each then signed in through the Frontend API as clerk-js does it, keeping the
 * `__client` cookie the server sets.
 */
import { verifyToken } from '@clerk/backend';
import { hashPassword } from '../../../packages/server/src/crypto/password/index.js';
import { normalizePassword } from '../../../packages/server/src/domain/passwords/password-policy.js';
import { prepareStore } from '../../../packages/server/src/server.js';
import { seedUsers } from '../seed-users.js';
import type { ThrowawayStore } from '../throwaway-store.js';
import { generateUsers } from '../user-data.js';

export const PASSWORD = 'violet lantern drifts over copper meadow';

export interface Browser {
  email: string;
  sessionId: string;
  /** `__client=<token>`, as the browser sends it back. */
  cookie: string;
}

/** Seeds `count` users sharing PASSWORD; returns their emails and the digest they share. */
export async function seedPasswordUsers(target: ThrowawayStore, count: number): Promise<{ emails: string[]; digest: string }> {
  const users = generateUsers({ count, newestAt: Date.now() - 86_400_000 });
  const digest = await hashPassword(normalizePassword(PASSWORD));
  const store = await prepareStore(target.options);
  try {
    await seedUsers(store, users, digest);
  } finally {
    await store.close();
  }
  return { emails: users.map((u) => u.email), digest };
}

/** `POST /fapi/v1/client/sign_ins` with identifier and password, from a browser with no client yet. */
export async function signInBrowser(url: string, email: string): Promise<Browser> {
  const response = await fetch(`${url}/fapi/v1/client/sign_ins`, {
    method: 'POST',
    headers: { origin: new URL(url).origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ identifier: email, password: PASSWORD, strategy: 'password' }).toString(),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`sign-in of ${email}: ${response.status} ${text.slice(0, 300)}`);
  const signIn = (JSON.parse(text) as { response: { status?: string; created_session_id?: string } }).response;
  const cookie = response.headers.getSetCookie().map((c) => c.split(';', 1)[0] ?? '').findLast((c) => c.startsWith('__client='));
  if (signIn.status !== 'complete' || !signIn.created_session_id || !cookie) throw new Error(`sign-in of ${email}: not complete, or no __client cookie`);
  return { email, sessionId: signIn.created_session_id, cookie };
}

/** Signs every address in, `inFlight` at a time. */
export async function signInAll(url: string, emails: readonly string[], inFlight: number): Promise<Browser[]> {
  const browsers: Browser[] = new Array<Browser>(emails.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let i = next++; i < emails.length; i = next++) browsers[i] = await signInBrowser(url, emails[i] ?? '');
    }),
  );
  return browsers;
}

/** One refresh, as the load sends it; a fast wrong answer is not a result, so the token must verify and name the session. */
export async function refreshOnce(url: string, secretKey: string, browser: Browser): Promise<string> {
  const response = await fetch(`${url}/fapi/v1/client/sessions/${browser.sessionId}/tokens`, {
    method: 'POST',
    headers: { origin: new URL(url).origin, cookie: browser.cookie },
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`refresh of ${browser.sessionId}: ${response.status} ${text.slice(0, 300)}`);
  const { jwt } = JSON.parse(text) as { jwt: string };
  const claims = await verifyToken(jwt, { secretKey, apiUrl: url });
  if (claims.sid !== browser.sessionId) throw new Error(`refresh of ${browser.sessionId}: token names ${claims.sid}`);
  return jwt;
}

/** Another browser's cookie must not refresh this session: the bench would otherwise measure a server that skips the check. */
export async function assertOwnershipChecked(url: string, a: Browser, b: Browser): Promise<void> {
  const response = await fetch(`${url}/fapi/v1/client/sessions/${a.sessionId}/tokens`, { method: 'POST', headers: { origin: new URL(url).origin, cookie: b.cookie } });
  await response.arrayBuffer();
  if (response.status !== 404) throw new Error(`a refresh with another client's cookie answered ${response.status}, not 404`);
}
