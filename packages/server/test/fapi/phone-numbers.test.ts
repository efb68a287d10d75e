import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser, type SignInJSON } from '../support/fapi-client.js';
import { latestCode } from '../support/inbox.js';
import { canary } from '../support/leak-canary.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Phone numbers from the browser, where the instance has them on: given (optionally) at sign-up
 * and added on the account, each verified by a code sent as a text message. There is no SMS
 * provider yet, so the development inbox is where texts go; a server without it refuses to send.
 */
let t: TestServer;
let seq = 0;
const PASSWORD = 'correct horse battery staple 42';

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

interface PhoneJSON {
  id: string;
  phone_number: string;
  verification: { status: string; strategy: string } | null;
}

async function phoneSettings(enabled: boolean, server = t): Promise<void> {
  const reply = await server.request('PATCH', '/v1/instance/user_settings', { body: { phone_number: { enabled, required: false, used_for_first_factor: false } } });
  expect(reply.status).toBe(200);
}

async function signedIn(server = t): Promise<{ b: FapiBrowser; userId: string }> {
  const email = `phone${++seq}.${Date.now()}@phones.test`;
  const user = await server.clerk.users.createUser({ emailAddress: [email], password: PASSWORD, privateMetadata: { secret: canary('phone-person') } });
  const b = new FapiBrowser(server.url);
  const reply = await b.call('POST', '/client/sign_ins', { identifier: email, password: PASSWORD, strategy: 'password' });
  expect((reply.body.response as SignInJSON).status).toBe('complete');
  return { b, userId: user.id };
}

describe('phone numbers', () => {
  it('are added on the account and verified by a texted code, in the browser that asked', async () => {
    await phoneSettings(false);
    const { b, userId } = await signedIn();
    expect((await b.call('POST', '/me/phone_numbers', { phone_number: '+14155550101' })).status).toBe(422);
    await phoneSettings(true);
    const env = (await b.call('GET', '/environment')).body as { user_settings: { attributes: { phone_number: { enabled: boolean; verifications: string[]; used_for_first_factor: boolean } } } };
    expect(env.user_settings.attributes.phone_number).toMatchObject({ enabled: true, used_for_first_factor: false, verifications: ['phone_code'] });

    expect((await b.call('POST', '/me/phone_numbers', { phone_number: '4155550101' })).body.errors?.[0]?.meta).toMatchObject({ param_name: 'phone_number' });
    const added = await b.call('POST', '/me/phone_numbers', { phone_number: '+1 415 555 0101' });
    expect(added.status).toBe(200);
    const phone = added.body.response as PhoneJSON;
    expect(phone).toMatchObject({ phone_number: '+14155550101', verification: null });

    const since = Date.now();
    const prepared = await b.call('POST', `/me/phone_numbers/${phone.id}/prepare_verification`, { strategy: 'phone_code' });
    expect(prepared.body.response).toMatchObject({ verification: { status: 'unverified', strategy: 'phone_code' } });
    const code = await latestCode(t.url, '+14155550101', since, 'verification_sms');

    const other = new FapiBrowser(t.url);
    const stranger = await signedIn();
    expect((await stranger.b.call('POST', `/me/phone_numbers/${phone.id}/attempt_verification`, { code })).status).toBe(404);
    expect((await other.call('POST', `/me/phone_numbers/${phone.id}/attempt_verification`, { code })).status).toBe(401);
    const wrong = await b.call('POST', `/me/phone_numbers/${phone.id}/attempt_verification`, { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.body.errors?.[0]?.code).toBe('form_code_incorrect');
    const verified = await b.call('POST', `/me/phone_numbers/${phone.id}/attempt_verification`, { code });
    expect(verified.body.response).toMatchObject({ id: phone.id, verification: { status: 'verified', strategy: 'phone_code' } });
    const stored = (await t.request('GET', `/v1/users/${userId}`)).body as { primary_phone_number_id: string | null; phone_numbers: PhoneJSON[] };
    expect(stored.primary_phone_number_id).toBe(phone.id);
    expect((await b.call('GET', '/me/phone_numbers')).body as unknown as PhoneJSON[]).toHaveLength(1);

    const removed = await b.call('DELETE', `/me/phone_numbers/${phone.id}`);
    expect(removed.body.response).toMatchObject({ object: 'phone_number', id: phone.id, deleted: true });
    expect(((await t.request('GET', `/v1/users/${userId}`)).body as { phone_numbers: unknown[] }).phone_numbers).toEqual([]);
    expect([...b.specFailures, ...stranger.b.specFailures]).toEqual([]);
  });

  it('may be given at sign-up, kept unverified on the new user until verified from the account', async () => {
    await phoneSettings(true);
    const b = new FapiBrowser(t.url);
    const email = `signup${++seq}.${Date.now()}@phones.test`;
    const created = await b.call('POST', '/client/sign_ups', { email_address: email, password: PASSWORD, phone_number: '+14155550102' });
    expect(created.status).toBe(200);
    const signUp = created.body.response as { id: string; optional_fields: string[]; phone_number: string | null };
    expect(signUp.optional_fields).toContain('phone_number');
    expect(signUp.phone_number).toBe('+14155550102');
    const since = Date.now();
    await b.call('POST', `/client/sign_ups/${signUp.id}/prepare_verification`, { strategy: 'email_code' });
    const code = await latestCode(t.url, email, since);
    const done = await b.call('POST', `/client/sign_ups/${signUp.id}/attempt_verification`, { strategy: 'email_code', code });
    const userId = (done.body.response as { created_user_id: string }).created_user_id;
    const user = (await t.request('GET', `/v1/users/${userId}`)).body as { primary_phone_number_id: string | null; phone_numbers: PhoneJSON[] };
    expect(user.phone_numbers.map((p) => [p.phone_number, p.verification])).toEqual([['+14155550102', null]]);
    expect(user.primary_phone_number_id).toBeNull();
    // A number someone already has is refused at sign-up.
    const again = await new FapiBrowser(t.url).call('POST', '/client/sign_ups', { email_address: `x${email}`, password: PASSWORD, phone_number: '+14155550102' });
    expect(again.body.errors?.[0]).toMatchObject({ code: 'form_identifier_exists', meta: { param_name: 'phone_number' } });
    expect(b.specFailures).toEqual([]);
  });

  it('cannot be sent a code where texts have nowhere to go', async () => {
    const quiet = await startTestServer({ GATEHOUSE_DEV_INBOX: '0' });
    try {
      await phoneSettings(true, quiet);
      const { b } = await signedIn(quiet);
      const phone = (await b.call('POST', '/me/phone_numbers', { phone_number: '+14155550103' })).body.response as PhoneJSON;
      const refused = await b.call('POST', `/me/phone_numbers/${phone.id}/prepare_verification`, { strategy: 'phone_code' });
      expect(refused.status).toBe(503);
      expect(refused.body.errors?.[0]?.code).toBe('service_unavailable');
    } finally {
      await quiet.close();
    }
  });
});
