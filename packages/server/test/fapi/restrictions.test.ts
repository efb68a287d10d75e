import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectReplyMatchesSpec } from '../support/clerk-spec.js';
import { FapiBrowser, type SignInJSON } from '../support/fapi-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * Clerk's restrictions: the allowlist and the blocklist (managed from the Backend API, applied at
 * sign-up and, unless turned off there, at sign-in), and the refusal of email subaddresses and
 * disposable domains at sign-up.
 */
let t: TestServer;
let seq = 0;
const PASSWORD = 'a restricted instance passphrase';

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

const OFF = { allowlist: false, blocklist: false, allowlist_blocklist_disabled_on_sign_in: false, block_email_subaddresses: false, block_disposable_email_domains: false };

afterEach(async () => {
  await t.request('PATCH', '/v1/instance/restrictions', { body: OFF });
});

async function restrict(body: Partial<typeof OFF>): Promise<void> {
  const reply = await t.request('PATCH', '/v1/instance/restrictions', { body });
  expect(reply.status).toBe(200);
  expectReplyMatchesSpec('PATCH', '/instance/restrictions', reply.status, reply.body);
}

async function list(kind: 'allowlist' | 'blocklist', identifier: string): Promise<string> {
  const reply = await t.request('POST', `/v1/${kind}_identifiers`, { body: { identifier } });
  expect(reply.status).toBe(200);
  expectReplyMatchesSpec('POST', `/${kind}_identifiers`, reply.status, reply.body);
  return (reply.body as { id: string }).id;
}

async function signUp(email: string): Promise<{ status: number; code: string | undefined }> {
  const reply = await new FapiBrowser(t.url).call('POST', '/client/sign_ups', { email_address: email, password: PASSWORD });
  return { status: reply.status, code: reply.body.errors?.[0]?.code };
}

const unique = (domain: string) => `person${++seq}.${Date.now()}@${domain}`;

describe('restrictions', () => {
  it('keeps the lists on the Backend API, each identifier once, as Clerk shapes them', async () => {
    const id = await list('allowlist', '*@Partner.Example');
    expect((await t.request('POST', '/v1/allowlist_identifiers', { body: { identifier: '*@partner.example' } })).status).toBe(422);
    expect((await t.request('POST', '/v1/allowlist_identifiers', { body: { identifier: 'not an address' } })).status).toBe(422);
    const allowed = await t.request('GET', '/v1/allowlist_identifiers');
    expectReplyMatchesSpec('GET', '/allowlist_identifiers', allowed.status, allowed.body);
    expect(allowed.body).toEqual([expect.objectContaining({ object: 'allowlist_identifier', identifier: '*@partner.example', identifier_type: 'email_address' })]);
    const blockedId = await list('blocklist', '+14155550100');
    const blocked = await t.request('GET', '/v1/blocklist_identifiers');
    expectReplyMatchesSpec('GET', '/blocklist_identifiers', blocked.status, blocked.body);
    expect(blocked.body).toMatchObject({ total_count: 1, data: [{ identifier: '+14155550100', identifier_type: 'phone_number' }] });
    expect((await t.request('DELETE', `/v1/allowlist_identifiers/${id}`)).status).toBe(200);
    expect((await t.request('DELETE', `/v1/allowlist_identifiers/${id}`)).status).toBe(404);
    expect((await t.request('DELETE', `/v1/blocklist_identifiers/${blockedId}`)).status).toBe(200);
  });

  it('admits only the allowlist when it is on: an address or its whole domain, at sign-up and sign-in', async () => {
    const outsider = unique('elsewhere.example');
    await t.clerk.users.createUser({ emailAddress: [outsider], password: PASSWORD });
    await list('allowlist', '*@allowed.example');
    const named = unique('named.example');
    await list('allowlist', named);
    await restrict({ allowlist: true });
    const env = (await new FapiBrowser(t.url).call('GET', '/environment')).body as { user_settings: { restrictions: { allowlist: { enabled: boolean } } } };
    expect(env.user_settings.restrictions.allowlist.enabled).toBe(true);

    expect(await signUp(unique('elsewhere.example'))).toEqual({ status: 403, code: 'not_allowed_access' });
    expect((await signUp(unique('allowed.example'))).status).toBe(200);
    expect((await signUp(named)).status).toBe(200);
    const b = new FapiBrowser(t.url);
    const refused = await b.call('POST', '/client/sign_ins', { identifier: outsider, password: PASSWORD, strategy: 'password' });
    expect([refused.status, refused.body.errors?.[0]?.code]).toEqual([403, 'not_allowed_access']);
    // Refused the same whether or not the account exists.
    const nobody = await b.call('POST', '/client/sign_ins', { identifier: unique('elsewhere.example'), password: PASSWORD, strategy: 'password' });
    expect([nobody.status, nobody.body.errors?.[0]?.code]).toEqual([403, 'not_allowed_access']);

    await restrict({ allowlist: true, allowlist_blocklist_disabled_on_sign_in: true });
    const admitted = await b.call('POST', '/client/sign_ins', { identifier: outsider, password: PASSWORD, strategy: 'password' });
    expect((admitted.body.response as SignInJSON).status).toBe('complete');
  });

  it('refuses the blocklist at sign-up and at sign-in, whole domains included', async () => {
    const member = unique('blocked.example');
    await t.clerk.users.createUser({ emailAddress: [member], password: PASSWORD });
    await list('blocklist', '*@blocked.example');
    await restrict({ blocklist: true });
    expect(await signUp(unique('blocked.example'))).toEqual({ status: 403, code: 'not_allowed_access' });
    expect((await signUp(unique('fine.example'))).status).toBe(200);
    const refused = await new FapiBrowser(t.url).call('POST', '/client/sign_ins', { identifier: member, password: PASSWORD, strategy: 'password' });
    expect([refused.status, refused.body.errors?.[0]?.code]).toEqual([403, 'not_allowed_access']);
  });

  it('refuses email subaddresses and disposable domains at sign-up when asked to', async () => {
    await restrict({ block_email_subaddresses: true, block_disposable_email_domains: true });
    expect(await signUp(`someone+tag${++seq}@fine.example`)).toEqual({ status: 422, code: 'form_param_value_invalid' });
    expect(await signUp(unique('mailinator.com'))).toEqual({ status: 422, code: 'form_param_value_invalid' });
    expect(await signUp(unique('sub.mailinator.com'))).toEqual({ status: 422, code: 'form_param_value_invalid' });
    expect((await signUp(unique('fine.example'))).status).toBe(200);
    await restrict(OFF);
    expect((await signUp(`someone+tag${++seq}@fine.example`)).status).toBe(200);
  });
});
