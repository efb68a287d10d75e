import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser, type FapiReply, type SignInJSON } from '../support/fapi-client.js';
import { latestCode } from '../support/inbox.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { waitFor } from '../support/wait-for.js';
import { mannWhitneyU, median } from '../support/statistics.js';

/**
 * User enumeration: with Clerk's strict enumeration protection, sign-in (password, emailed code,
 * emailed link), the forgotten-password reset and sign-up answer alike for an address an account
 * holds and for one nobody holds — the same statuses, the same bodies once ids and times are set
 * aside, and the same time to answer. Only the mailbox learns the difference.
 */
let t: TestServer;
let seq = 0;
const PASSWORD = 'correct horse battery staple 42';
const REDIRECT = 'http://localhost:3000/after';

beforeAll(async () => {
  // A lockout high enough that the timing test's wrong passwords (spread over a few accounts) never lock one.
  t = await startTestServer({ GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: '100', GATEHOUSE_ALLOWED_ORIGINS: 'http://localhost:3000' });
  const on = await t.request('PATCH', '/v1/instance/user_settings', {
    body: {
      attack_protection: { enumeration_protection: true },
      email_address: { enabled: true, required: true, used_for_first_factor: true, first_factors: ['email_code', 'email_link'], verifications: ['email_code', 'email_link'], verify_at_sign_up: true },
    },
  });
  expect(on.status).toBe(200);
});

afterAll(async () => {
  await t?.close();
});

async function existingUser(): Promise<string> {
  const email = `holder${++seq}.${Date.now()}@enumeration.test`;
  await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD, firstName: 'Ada', lastName: 'Lovelace' });
  return email;
}

function nobody(): string {
  return `nobody${++seq}.${Date.now()}@enumeration.test`;
}

/** A reply's status, cookies and body, with what differs by nature (ids, times, cookie values, the address typed) set aside. */
function shape(reply: FapiReply, email: string): unknown {
  const cookies = reply.headers.getSetCookie().map((c) => c.replace(/=[^;]*/, '=<value>').replace(/Expires=[^;]*/i, 'Expires=<time>'));
  const text = JSON.stringify({ status: reply.status, cookies, body: reply.body })
    .replace(/"clerk_trace_id":"[^"]*"/g, '"clerk_trace_id":"<trace>"')
    .replaceAll(email, '<email>')
    .replace(/\b(sia|idn|client|ver|sua|sess)_[A-Za-z0-9]+/g, '<$1>')
    .replace(/"(\w+_at)":\d+/g, '"$1":0');
  return JSON.parse(text) as unknown;
}

async function startSignIn(b: FapiBrowser, email: string): Promise<FapiReply> {
  return b.call('POST', '/client/sign_ins', { identifier: email });
}

async function mailKinds(to: string): Promise<string[]> {
  const inbox = (await (await fetch(`${t.url}/dev/inbox`)).json()) as { data: { to: string; kind: string; text: string }[] };
  return inbox.data.filter((m) => m.to === to).map((m) => m.kind);
}

async function mailTo(to: string, kind: string): Promise<string> {
  return waitFor(`a ${kind} mail to ${to}`, async () => {
    const inbox = (await (await fetch(`${t.url}/dev/inbox`)).json()) as { data: { to: string; kind: string; text: string }[] };
    return inbox.data.find((m) => m.to === to && m.kind === kind)?.text;
  });
}

describe('user enumeration under strict protection', () => {
  it('says protection is on in the environment, and off by default on a loopback deployment', async () => {
    const b = new FapiBrowser(t.url);
    const env = await b.call('GET', '/environment');
    expect((env.body['user_settings'] as { attack_protection: unknown }).attack_protection).toMatchObject({ enumeration_protection: { enabled: true } });
    const local = await startTestServer();
    try {
      const other = new FapiBrowser(local.url);
      const reply = await other.call('GET', '/environment');
      expect((reply.body['user_settings'] as { attack_protection: unknown }).attack_protection).toMatchObject({ enumeration_protection: { enabled: false } });
      const unknown = await other.call('POST', '/client/sign_ins', { identifier: nobody() });
      expect(unknown.status).toBe(422);
      expect(unknown.body.errors?.[0]?.code).toBe('form_identifier_not_found');
      expect(other.specFailures).toEqual([]);
    } finally {
      await local.close();
    }
    expect(b.specFailures).toEqual([]);
  });

  it('starts a sign-in alike for an address an account holds and for one nobody holds', async () => {
    const held = await existingUser();
    const free = nobody();
    const a = new FapiBrowser(t.url);
    const b = new FapiBrowser(t.url);
    const [known, unknown] = [await startSignIn(a, held), await startSignIn(b, free)];
    expect(known.status).toBe(200);
    expect(shape(unknown, free)).toEqual(shape(known, held));
    const attempt = known.body.response as SignInJSON;
    expect(attempt.status).toBe('needs_first_factor');
    expect(attempt.supported_first_factors.map((f) => f.strategy)).toEqual(['password', 'email_code', 'email_link', 'reset_password_email_code']);
    // Nothing of the account shows before it is proven: no name, no picture.
    expect((known.body.response as { user_data: unknown }).user_data).toBeNull();
    expect([...a.specFailures, ...b.specFailures]).toEqual([]);
  });

  it('refuses a wrong password alike, in one call or two, and records both attempts', async () => {
    const held = await existingUser();
    const free = nobody();
    const a = new FapiBrowser(t.url);
    const b = new FapiBrowser(t.url);
    const known = await a.call('POST', '/client/sign_ins', { identifier: held, password: 'not the password 1' });
    const unknown = await b.call('POST', '/client/sign_ins', { identifier: free, password: 'not the password 1' });
    expect(known.status).toBe(422);
    expect(known.body.errors?.[0]?.code).toBe('form_password_incorrect');
    expect(shape(unknown, free)).toEqual(shape(known, held));

    const twoSteps = await Promise.all([held, free].map(async (email) => {
      const browser = new FapiBrowser(t.url);
      const started = (await startSignIn(browser, email)).body.response as SignInJSON;
      return browser.call('POST', `/client/sign_ins/${started.id}/attempt_first_factor`, { strategy: 'password', password: 'not the password 2' });
    }));
    expect(shape(twoSteps[1]!, free)).toEqual(shape(twoSteps[0]!, held));
    expect(twoSteps[0]!.body.errors?.[0]?.code).toBe('form_password_incorrect');

    const audit = await t.request('GET', '/v1/audit_events?type=sign_in.failed&limit=50');
    const failed = (audit.body as { data: { data: { user_id: string | null; error: string } }[] }).data.map((e) => e.data);
    expect(failed.filter((e) => e.user_id === null && e.error === 'form_password_incorrect').length).toBeGreaterThanOrEqual(2);
    expect([...a.specFailures, ...b.specFailures]).toEqual([]);
  });

  it('a password-less account reads its password as wrong, as an unknown address does', async () => {
    const email = `social${++seq}.${Date.now()}@enumeration.test`;
    await t.clerk.users.createUser({ emailAddress: [email], skipPasswordRequirement: true });
    const b = new FapiBrowser(t.url);
    const reply = await b.call('POST', '/client/sign_ins', { identifier: email, password: 'whatever it is 42' });
    expect(reply.status).toBe(422);
    expect(reply.body.errors?.[0]?.code).toBe('form_password_incorrect');
    expect(b.specFailures).toEqual([]);
  });

  it('sends a code only to the account, a notice to anyone else, and the page sees no difference', async () => {
    const held = await existingUser();
    const free = nobody();
    for (const strategy of ['email_code', 'reset_password_email_code'] as const) {
      const replies = await Promise.all([held, free].map(async (email) => {
        const browser = new FapiBrowser(t.url);
        const started = (await startSignIn(browser, email)).body.response as SignInJSON;
        const factor = started.supported_first_factors.find((f) => f.strategy === strategy)!;
        const prepared = await browser.call('POST', `/client/sign_ins/${started.id}/prepare_first_factor`, { strategy, email_address_id: factor.email_address_id! });
        const wrong = await browser.call('POST', `/client/sign_ins/${started.id}/attempt_first_factor`, { strategy, code: '000000' });
        expect(browser.specFailures).toEqual([]);
        return { prepared, wrong };
      }));
      expect(replies[0]!.prepared.status).toBe(200);
      expect(shape(replies[1]!.prepared, free)).toEqual(shape(replies[0]!.prepared, held));
      // 000000 may be the account's real code one time in a million; the other is never right.
      if (replies[0]!.wrong.status !== 200) expect(shape(replies[1]!.wrong, free)).toEqual(shape(replies[0]!.wrong, held));
      expect(replies[1]!.wrong.body.errors?.[0]?.code).toBe('form_code_incorrect');
    }
    await latestCode(t.url, held, 0);
    await latestCode(t.url, held, 0, 'password_reset_code');
    const notice = await mailTo(free, 'sign_in_no_account');
    expect(notice).toContain('no account uses this address');
    expect(notice).not.toMatch(/\b\d{6}\b/);
    expect(await mailKinds(free)).toEqual(['sign_in_no_account', 'sign_in_no_account']);
  });

  it('"sends" a sign-in link to an address nobody holds, which never signs anyone in', async () => {
    const free = nobody();
    const b = new FapiBrowser(t.url);
    const started = (await startSignIn(b, free)).body.response as SignInJSON;
    const factor = started.supported_first_factors.find((f) => f.strategy === 'email_link')!;
    const refused = await b.call('POST', `/client/sign_ins/${started.id}/prepare_first_factor`, { strategy: 'email_link', email_address_id: factor.email_address_id!, redirect_url: 'https://evil.example/' });
    expect(refused.body.errors?.[0]?.code).toBe('form_param_value_invalid');
    const prepared = await b.call('POST', `/client/sign_ins/${started.id}/prepare_first_factor`, { strategy: 'email_link', email_address_id: factor.email_address_id!, redirect_url: REDIRECT });
    expect(prepared.status).toBe(200);
    expect((prepared.body.response as SignInJSON).first_factor_verification).toMatchObject({ status: 'unverified', strategy: 'email_link' });
    expect(await mailTo(free, 'sign_in_no_account')).not.toContain('/fapi/v1/verify');
    expect(b.specFailures).toEqual([]);
  });

  it('signs up with a taken address as with a free one: the owner gets a notice, never a code', async () => {
    const held = await existingUser();
    const free = nobody();
    const replies = await Promise.all([held, free].map(async (email) => {
      const browser = new FapiBrowser(t.url);
      const created = await browser.call('POST', '/client/sign_ups', { email_address: email, password: PASSWORD });
      const id = (created.body.response as { id: string }).id;
      const prepared = await browser.call('POST', `/client/sign_ups/${id}/prepare_verification`, { strategy: 'email_code' });
      const wrong = await browser.call('POST', `/client/sign_ups/${id}/attempt_verification`, { strategy: 'email_code', code: '000000' });
      expect(browser.specFailures).toEqual([]);
      return { created, prepared, wrong };
    }));
    expect(replies[0]!.created.status).toBe(200);
    expect(shape(replies[0]!.created, held)).toEqual(shape(replies[1]!.created, free));
    expect(shape(replies[0]!.prepared, held)).toEqual(shape(replies[1]!.prepared, free));
    expect(replies[0]!.wrong.body.errors?.[0]?.code).toBe('form_code_incorrect');
    expect(await mailTo(held, 'sign_up_account_exists')).toContain('already uses');
    await latestCode(t.url, free, 0);
    expect(await mailKinds(held)).toEqual(['sign_up_account_exists']);
    // The account still has one owner.
    const users = await t.clerk.users.getUserList({ emailAddress: [held] });
    expect(users.totalCount).toBe(1);
  });

  it('takes as long to refuse a wrong password for an account as for an address nobody holds', { timeout: 120_000 }, async () => {
    const held = await Promise.all([existingUser(), existingUser(), existingUser(), existingUser()]);
    const attempt = async (email: string): Promise<number> => {
      const browser = new FapiBrowser(t.url);
      const started = performance.now();
      const reply = await browser.call('POST', '/client/sign_ins', { identifier: email, password: 'not the password 3' });
      const took = performance.now() - started;
      expect(reply.body.errors?.[0]?.code).toBe('form_password_incorrect');
      return took;
    };
    // Warm both paths (the dummy digest is made on first use).
    await attempt(held[0]!);
    await attempt(nobody());
    // A real difference (the hash skipped, an account read saved) shows in every round; load from
    // other tests on a shared machine can make one round look significant by chance, not three.
    let last = '';
    for (let round = 0; round < 3; round += 1) {
      const samples = { known: [] as number[], unknown: [] as number[] };
      for (let i = 0; i < 120; i += 1) {
        const order = i % 2 === 0 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const);
        for (const which of order) samples[which].push(await attempt(which === 'known' ? held[i % held.length]! : nobody()));
      }
      const gap = Math.abs(median(samples.known) - median(samples.unknown));
      const { p } = mannWhitneyU(samples.known, samples.unknown);
      last = `medians ${median(samples.known).toFixed(2)} / ${median(samples.unknown).toFixed(2)} ms, p=${p.toExponential(2)}`;
      // Told apart: a gap of 5 ms, or a significant one of 1 ms. Without the dummy work the gap is
      // the hash itself, tens of milliseconds at p far below 0.01, round after round.
      const toldApart = gap >= 5 || (p < 0.01 && gap >= 1);
      if (!toldApart) return;
    }
    expect.fail(`an account and nobody were told apart by time in three rounds: ${last}`);
  });
});
