import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FapiBrowser, type SignInJSON } from '../support/fapi-client.js';
import { latestCode, latestLink } from '../support/inbox.js';
import { canary } from '../support/leak-canary.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/**
 * `/v1/me`: the signed-in person reads and changes their own account from the browser, as
 * clerk-js's `user.reload()` and `user.update()` send it, with the server's state read back
 * through the Backend API.
 */
let t: TestServer;
let seq = 0;

const PASSWORD = 'correct horse battery staple 42';
const PRIVATE_VALUE = canary('me');

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

interface UserJSON {
  id: string;
  first_name: string | null;
  last_name: string | null;
  username: string | null;
  primary_email_address_id: string | null;
  public_metadata: Record<string, unknown>;
  unsafe_metadata: Record<string, unknown>;
  email_addresses: { id: string; email_address: string }[];
  [field: string]: unknown;
}

async function signedIn(): Promise<{ b: FapiBrowser; userId: string; sessionId: string; email: string }> {
  const email = `me${++seq}.${Date.now()}@me.test`;
  const user = await t.clerk.users.createUser({
    emailAddress: [email],
    password: PASSWORD,
    firstName: 'Ada',
    publicMetadata: { plan: 'pro' },
    privateMetadata: { secret: PRIVATE_VALUE },
    unsafeMetadata: { theme: 'dark' },
  });
  const b = new FapiBrowser(t.url);
  const reply = await b.call('POST', '/client/sign_ins', { identifier: email, password: PASSWORD, strategy: 'password' });
  expect(reply.status).toBe(200);
  return { b, userId: user.id, sessionId: (reply.body.response as SignInJSON).created_session_id!, email };
}

const IPHONE_SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const LINUX_CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

async function signInAs(b: FapiBrowser, email: string): Promise<string> {
  const reply = await b.call('POST', '/client/sign_ins', { identifier: email, password: PASSWORD, strategy: 'password' });
  expect(reply.status).toBe(200);
  return (reply.body.response as SignInJSON).created_session_id!;
}

async function bapiUser(id: string): Promise<UserJSON> {
  return (await t.request('GET', `/v1/users/${id}`)).body as UserJSON;
}

describe('/v1/me', () => {
  it('reads the signed-in user, without private metadata, in the session clerk-js names', async () => {
    const { b, userId, sessionId } = await signedIn();
    const reply = await b.call('GET', `/me?_clerk_session_id=${sessionId}`);
    expect(reply.status).toBe(200);
    const me = reply.body.response as UserJSON;
    expect(me).toMatchObject({ id: userId, first_name: 'Ada', public_metadata: { plan: 'pro' }, unsafe_metadata: { theme: 'dark' } });
    expect(me).not.toHaveProperty('private_metadata');
    // Without the parameter the client's last active session is meant.
    expect(((await b.call('GET', '/me')).body.response as UserJSON).id).toBe(userId);
    expect(b.specFailures).toEqual([]);
  });

  it('changes names, username and unsafe metadata, never public or private metadata; the user is the actor', async () => {
    const { b, userId, sessionId } = await signedIn();
    expect((await t.request('PATCH', '/v1/instance/user_settings', { body: { username: { enabled: true, required: false, used_for_first_factor: false } } })).status).toBe(200);
    try {
      const reply = await b.call('PATCH', `/me?_clerk_session_id=${sessionId}`, {
        first_name: 'Grace',
        last_name: '',
        username: `grace_${seq}`,
        unsafe_metadata: JSON.stringify({ theme: 'light' }),
        public_metadata: JSON.stringify({ plan: 'free' }),
        private_metadata: JSON.stringify({ secret: 'overwritten' }),
      });
      expect(reply.status).toBe(200);
      expect(reply.body.response).toMatchObject({ first_name: 'Grace', last_name: null, username: `grace_${seq}`, unsafe_metadata: { theme: 'light' } });
      expect(reply.body.client?.sessions[0]?.user).toMatchObject({ first_name: 'Grace' });
      const stored = await bapiUser(userId);
      expect(stored).toMatchObject({ first_name: 'Grace', last_name: null, username: `grace_${seq}`, unsafe_metadata: { theme: 'light' }, public_metadata: { plan: 'pro' }, private_metadata: { secret: PRIVATE_VALUE } });
      const audit = await t.request('GET', `/v1/audit_events?user_id=${userId}&type=user.updated`);
      const events = (audit.body as { data: { actor: { type: string; id: string | null } }[] }).data;
      expect(events.at(0)?.actor).toMatchObject({ type: 'user', id: userId });
      expect(b.specFailures).toEqual([]);
    } finally {
      await t.request('PATCH', '/v1/instance/user_settings', { body: { username: { enabled: false, required: false, used_for_first_factor: false } } });
    }
  });

  it('refuses a username while usernames are off, a taken one, and a primary address that is not the user’s own', async () => {
    const { b } = await signedIn();
    const other = await signedIn();
    const off = await b.call('PATCH', '/me', { username: 'someone' });
    expect(off.status).toBe(422);
    expect(off.body.errors?.[0]).toMatchObject({ code: 'form_param_value_invalid', meta: { param_name: 'username' } });
    const foreign = (await bapiUser(other.userId)).email_addresses[0]!.id;
    const notMine = await b.call('PATCH', '/me', { primary_email_address_id: foreign });
    expect(notMine.status).toBe(422);
    expect(notMine.body.errors?.[0]).toMatchObject({ code: 'form_param_value_invalid', meta: { param_name: 'primary_email_address_id' } });
    expect((await bapiUser(other.userId)).primary_email_address_id).toBe(foreign);
    const bad = await b.call('PATCH', '/me', { unsafe_metadata: '{not json' });
    expect(bad.status).toBe(422);
  });

  it('lists the person’s devices on every client with browser and address, and signs another one out: its next refresh fails', async () => {
    const email = `devices${++seq}.${Date.now()}@me.test`;
    await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
    const phone = new FapiBrowser(t.url, t.url, { 'user-agent': IPHONE_SAFARI });
    const laptop = new FapiBrowser(t.url, t.url, { 'user-agent': LINUX_CHROME });
    const onPhone = await signInAs(phone, email);
    const onLaptop = await signInAs(laptop, email);

    const listed = await phone.call('GET', `/me/sessions/active?_clerk_session_id=${onPhone}`);
    expect(listed.status).toBe(200);
    const devices = listed.body as unknown as { id: string; last_active_at: number; last_active_token: unknown; latest_activity: Record<string, unknown> }[];
    // When each was last used; where it is comes from nothing but its address (no city, no country).
    for (const d of devices) {
      expect(d.last_active_at).toBeGreaterThan(Date.now() - 60_000);
      expect(d.latest_activity).not.toHaveProperty('city');
      expect(d.latest_activity).not.toHaveProperty('country');
    }
    expect(devices.map((d) => d.id).sort()).toEqual([onPhone, onLaptop].sort());
    expect(devices.every((d) => d.last_active_token === null)).toBe(true);
    const byId = new Map(devices.map((d) => [d.id, d.latest_activity]));
    expect(byId.get(onPhone)).toMatchObject({ object: 'session_activity', is_mobile: true, browser_name: 'Safari', ip_address: expect.stringContaining('127.0.0.1') });
    expect(byId.get(onLaptop)).toMatchObject({ is_mobile: false, browser_name: 'Chrome', browser_version: '131.0.0.0' });
    const all = await phone.call('GET', '/me/sessions');
    expect((all.body as unknown as { id: string }[]).map((s) => s.id).sort()).toEqual([onPhone, onLaptop].sort());

    const revoked = await phone.call('POST', `/me/sessions/${onLaptop}/revoke?_clerk_session_id=${onPhone}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.response).toMatchObject({ id: onLaptop, status: 'revoked', last_active_token: null });
    expect((await t.clerk.sessions.getSession(onLaptop)).status).toBe('revoked');
    expect((await laptop.call('POST', `/client/sessions/${onLaptop}/tokens`)).status).not.toBe(200);
    expect((await phone.call('POST', `/client/sessions/${onPhone}/tokens`)).status).toBe(200);

    const stranger = await signedIn();
    const foreign = await phone.call('POST', `/me/sessions/${stranger.sessionId}/revoke`);
    expect(foreign.status).toBe(404);
    expect((await t.clerk.sessions.getSession(stranger.sessionId)).status).toBe('active');
    expect([...phone.specFailures, ...laptop.specFailures]).toEqual([]);
  });

  it('changes the password after checking the current one, keeps this device signed in and signs the others out', async () => {
    const email = `password${++seq}.${Date.now()}@me.test`;
    const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD });
    const here = new FapiBrowser(t.url);
    const elsewhere = new FapiBrowser(t.url);
    const hereSession = await signInAs(here, email);
    const elsewhereSession = await signInAs(elsewhere, email);
    const NEW_PASSWORD = 'a brand new passphrase 2026';

    const missing = await here.call('POST', '/me/change_password', { new_password: NEW_PASSWORD });
    expect(missing.status).toBe(422);
    expect(missing.body.errors?.[0]).toMatchObject({ code: 'form_param_missing', meta: { param_name: 'current_password' } });
    const wrong = await here.call('POST', '/me/change_password', { current_password: 'not it at all', new_password: NEW_PASSWORD });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors?.[0]).toMatchObject({ code: 'form_password_incorrect', meta: { param_name: 'current_password' } });
    const weak = await here.call('POST', '/me/change_password', { current_password: PASSWORD, new_password: 'password' });
    expect(weak.status).toBe(422);
    expect((await t.request('POST', `/v1/users/${user.id}/verify_password`, { body: { password: PASSWORD } })).status).toBe(200);

    const changed = await here.call('POST', '/me/change_password', { current_password: PASSWORD, new_password: NEW_PASSWORD, sign_out_of_other_sessions: 'true' });
    expect(changed.status).toBe(200);
    expect(changed.body.response).toMatchObject({ id: user.id, password_enabled: true });
    expect((await t.request('POST', `/v1/users/${user.id}/verify_password`, { body: { password: NEW_PASSWORD } })).status).toBe(200);
    expect((await t.request('POST', `/v1/users/${user.id}/verify_password`, { body: { password: PASSWORD } })).status).toBe(422);
    expect((await t.clerk.sessions.getSession(hereSession)).status).toBe('active');
    expect((await t.clerk.sessions.getSession(elsewhereSession)).status).toBe('revoked');
    expect((await here.call('POST', `/client/sessions/${hereSession}/tokens`)).status).toBe(200);
    expect((await elsewhere.call('POST', `/client/sessions/${elsewhereSession}/tokens`)).status).not.toBe(200);
    const audit = await t.request('GET', `/v1/audit_events?user_id=${user.id}&type=password.changed`);
    expect((audit.body as { data: { actor: { type: string; id: string | null } }[] }).data[0]?.actor).toMatchObject({ type: 'user', id: user.id });
    expect([...here.specFailures, ...elsewhere.specFailures]).toEqual([]);
  });

  it('sets a first password without a current one, and keeps the password while it is the only way in', async () => {
    const email = `passwordless${++seq}.${Date.now()}@me.test`;
    const user = await t.clerk.users.createUser({ emailAddress: [email], skipPasswordRequirement: true });
    const b = new FapiBrowser(t.url);
    const started = (await b.call('POST', '/client/sign_ins', { identifier: email })).body.response as SignInJSON;
    const since = Date.now();
    await b.call('POST', `/client/sign_ins/${started.id}/prepare_first_factor`, { strategy: 'email_code' });
    const done = await b.call('POST', `/client/sign_ins/${started.id}/attempt_first_factor`, { strategy: 'email_code', code: await latestCode(t.url, email, since) });
    expect((done.body.response as SignInJSON).status).toBe('complete');

    const first = await b.call('POST', '/me/change_password', { new_password: 'my very first passphrase 7' });
    expect(first.status).toBe(200);
    expect(first.body.response).toMatchObject({ id: user.id, password_enabled: true });
    expect((await t.request('POST', `/v1/users/${user.id}/verify_password`, { body: { password: 'my very first passphrase 7' } })).status).toBe(200);

    // With email codes off as a first factor and the password optional, the password is the last way in.
    const noCodes = { enabled: true, required: true, used_for_first_factor: true, first_factors: [], verifications: ['email_code'], verify_at_sign_up: true };
    const restore = { enabled: true, required: true, used_for_first_factor: true, first_factors: ['email_code'], verifications: ['email_code'], verify_at_sign_up: true };
    expect((await t.request('PATCH', '/v1/instance/user_settings', { body: { email_address: noCodes, password: { enabled: true, required: false } } })).status).toBe(200);
    try {
      const kept = await b.call('POST', '/me/remove_password', { current_password: 'my very first passphrase 7' });
      expect([kept.status, kept.body.errors?.[0]?.code]).toEqual([403, 'not_allowed_access']);
      expect((await bapiUser(user.id))['password_enabled']).toBe(true);
    } finally {
      await t.request('PATCH', '/v1/instance/user_settings', { body: { email_address: restore, password: { enabled: true, required: true } } });
    }
    expect(b.specFailures).toEqual([]);
  });

  it('adds a second email address and verifies it with the code mailed to it, only in the browser that asked', async () => {
    const { b, userId, email } = await signedIn();
    const second = `second${seq}.${Date.now()}@me.test`;
    const added = await b.call('POST', '/me/email_addresses', { email_address: second });
    expect(added.status).toBe(200);
    const address = added.body.response as { id: string; email_address: string; verification: unknown };
    expect(address).toMatchObject({ email_address: second, verification: null });
    const taken = await b.call('POST', '/me/email_addresses', { email_address: email });
    expect(taken.status).toBe(422);
    expect(taken.body.errors?.[0]?.code).toBe('form_identifier_exists');

    const since = Date.now();
    const prepared = await b.call('POST', `/me/email_addresses/${address.id}/prepare_verification`, { strategy: 'email_code' });
    expect(prepared.status).toBe(200);
    expect(prepared.body.response).toMatchObject({ id: address.id, verification: { status: 'unverified', strategy: 'email_code' } });
    const code = await latestCode(t.url, second, since);

    // Another signed-in browser of the same person did not ask for the code: it cannot use it.
    const other = new FapiBrowser(t.url);
    await signInAs(other, email);
    const elsewhere = await other.call('POST', `/me/email_addresses/${address.id}/attempt_verification`, { code });
    expect(elsewhere.status).toBe(422);
    const wrong = await b.call('POST', `/me/email_addresses/${address.id}/attempt_verification`, { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors?.[0]?.code).toBe('form_code_incorrect');

    const verified = await b.call('POST', `/me/email_addresses/${address.id}/attempt_verification`, { code });
    expect(verified.status).toBe(200);
    expect(verified.body.response).toMatchObject({ id: address.id, verification: { status: 'verified', strategy: 'email_code' } });
    const stored = await bapiUser(userId);
    expect(stored.email_addresses.map((e) => e.email_address).sort()).toEqual([email, second].sort());
    expect((await b.call('GET', '/me/email_addresses')).body as unknown as { id: string }[]).toHaveLength(2);
    // Verified, it can become the primary address.
    const primary = await b.call('PATCH', '/me', { primary_email_address_id: address.id });
    expect(primary.status).toBe(200);
    expect((await bapiUser(userId)).primary_email_address_id).toBe(address.id);
    expect((await b.call('POST', `/me/email_addresses/${address.id}/attempt_verification`, { code })).status).toBe(400);

    const stranger = await signedIn();
    expect((await stranger.b.call('GET', `/me/email_addresses/${address.id}`)).status).toBe(404);
    expect((await stranger.b.call('POST', `/me/email_addresses/${address.id}/prepare_verification`, { strategy: 'email_code' })).status).toBe(404);
    expect([...b.specFailures, ...other.specFailures, ...stranger.b.specFailures]).toEqual([]);
  });

  it('verifies an added address by a link opened in the same browser, where the instance verifies by link', async () => {
    const { b, userId } = await signedIn();
    const linkSettings = { enabled: true, required: true, used_for_first_factor: true, first_factors: ['email_code'], verifications: ['email_code', 'email_link'], verify_at_sign_up: true };
    const added = await b.call('POST', '/me/email_addresses', { email_address: `linked${seq}.${Date.now()}@me.test` });
    const address = added.body.response as { id: string; email_address: string };
    // Links are not offered until the instance verifies addresses by link.
    expect((await b.call('POST', `/me/email_addresses/${address.id}/prepare_verification`, { strategy: 'email_link', redirect_url: `${t.url}/user` })).status).toBe(422);
    expect((await t.request('PATCH', '/v1/instance/user_settings', { body: { email_address: linkSettings } })).status).toBe(200);
    try {
      expect((await b.call('POST', `/me/email_addresses/${address.id}/prepare_verification`, { strategy: 'email_link', redirect_url: 'https://evil.example/' })).status).toBe(422);
      const since = Date.now();
      const prepared = await b.call('POST', `/me/email_addresses/${address.id}/prepare_verification`, { strategy: 'email_link', redirect_url: `${t.url}/user` });
      expect(prepared.body.response).toMatchObject({ verification: { status: 'unverified', strategy: 'email_link' } });
      const link = await latestLink(t.url, address.email_address, since, 'verification_link');
      const elsewhere = await fetch(link, { redirect: 'manual' });
      expect(new URL(elsewhere.headers.get('location')!).searchParams.get('__clerk_status')).toBe('client_mismatch');
      const opened = await fetch(link, { redirect: 'manual', headers: { cookie: b.cookieHeader() } });
      const back = new URL(opened.headers.get('location')!);
      expect(back.origin + back.pathname).toBe(`${t.url}/user`);
      expect(back.searchParams.get('__clerk_status')).toBe('verified');
      // The browser keeps the cookies the link's reply set, then the page that asked polls the address.
      b.keepCookies(opened.headers);
      expect((await b.call('GET', `/me/email_addresses/${address.id}`)).body.response).toMatchObject({ verification: { status: 'verified', strategy: 'email_link' } });
      expect((await bapiUser(userId)).email_addresses.find((e) => e.id === address.id)).toMatchObject({ verification: { status: 'verified' } });
      expect(b.specFailures).toEqual([]);
    } finally {
      await t.request('PATCH', '/v1/instance/user_settings', { body: { email_address: { ...linkSettings, verifications: ['email_code'] } } });
    }
  });

  it('removes an email address or the password only while another way to sign in remains, also when two removals race', async () => {
    const { b, userId, email } = await signedIn();
    const second = `spare${seq}.${Date.now()}@me.test`;
    const secondId = (await t.clerk.emailAddresses.createEmailAddress({ userId, emailAddress: second, verified: true })).id;
    const firstId = (await bapiUser(userId)).email_addresses.find((e) => e.email_address === email)!.id;

    // The instance requires a password: it stays, whatever the person proves.
    const required = await b.call('POST', '/me/remove_password', { current_password: PASSWORD });
    expect(required.status).toBe(403);
    expect((await t.request('PATCH', '/v1/instance/user_settings', { body: { password: { enabled: true, required: false } } })).status).toBe(200);
    try {
      const wrong = await b.call('POST', '/me/remove_password', { current_password: 'not the password at all' });
      expect(wrong.status).toBe(422);
      expect(wrong.body.errors?.[0]?.code).toBe('form_password_incorrect');
      const removed = await b.call('POST', '/me/remove_password', { current_password: PASSWORD });
      expect(removed.status).toBe(200);
      expect(removed.body.response).toMatchObject({ id: userId, password_enabled: false });
      expect((await bapiUser(userId))['password_enabled']).toBe(false);

      // Without a password, each verified address is a way in by email code: removing both at
      // once leaves exactly one.
      const [one, two] = await Promise.all([b.call('DELETE', `/me/email_addresses/${firstId}`), b.call('DELETE', `/me/email_addresses/${secondId}`)]);
      expect([one.status, two.status].sort()).toEqual([200, 403]);
      const kept = (await bapiUser(userId)).email_addresses;
      expect(kept).toHaveLength(1);
      const last = kept[0]!.id;
      const refused = await b.call('DELETE', `/me/email_addresses/${last}`);
      expect(refused.status).toBe(403);
      expect(refused.body.errors?.[0]?.code).toBe('not_allowed_access');
      expect((await bapiUser(userId)).primary_email_address_id).toBe(last);
      const deleted = (one.status === 200 ? one : two).body.response;
      expect(deleted).toMatchObject({ object: 'email_address', deleted: true });
      // Someone else's address is not there to remove.
      const stranger = await signedIn();
      expect((await stranger.b.call('DELETE', `/me/email_addresses/${last}`)).status).toBe(404);
      expect([...b.specFailures, ...stranger.b.specFailures]).toEqual([]);
    } finally {
      await t.request('PATCH', '/v1/instance/user_settings', { body: { password: { enabled: true, required: true } } });
    }
  });

  it('uploads and removes the person’s own picture, shown in their user and to their organizations', async () => {
    const { b, userId } = await signedIn();
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
    const refused = await b.upload('POST', '/me/profile_image', { bytes: Buffer.from('<svg onload="alert(1)"/>'), type: 'image/gif', name: 'x.gif' });
    expect(refused.status).toBe(422);
    // A real PNG header on more than 10 MiB is refused before it is stored.
    const huge = Buffer.concat([png, Buffer.alloc(10 * 1024 * 1024)]);
    const tooBig = await b.upload('POST', '/me/profile_image', { bytes: huge, type: 'image/png', name: 'huge.png' });
    expect([tooBig.status, tooBig.body.errors?.[0]?.code]).toEqual([413, 'request_body_too_large']);
    expect(((await b.call('GET', '/me')).body.response as UserJSON)['has_image']).toBe(false);
    const uploaded = await b.upload('POST', '/me/profile_image', { bytes: png, type: 'image/png', name: 'me.png' });
    expect(uploaded.status).toBe(200);
    const image = uploaded.body.response as { object: string; id: string; public_url: string };
    expect(image.object).toBe('image');
    const me = (await b.call('GET', '/me')).body.response as UserJSON;
    expect(me).toMatchObject({ has_image: true, image_url: image.public_url });
    expect((await fetch(image.public_url)).headers.get('content-type')).toBe('image/png');
    const org = await t.clerk.organizations.createOrganization({ name: `Pictured ${seq}`, createdBy: userId });
    const members = await t.clerk.organizations.getOrganizationMembershipList({ organizationId: org.id });
    expect(members.data[0]?.publicUserData?.hasImage).toBe(true);

    const removed = await b.call('DELETE', '/me/profile_image');
    expect(removed.status).toBe(200);
    expect(removed.body.response).toMatchObject({ object: 'image', id: image.id, deleted: true });
    const after = (await b.call('GET', '/me')).body.response as UserJSON;
    expect(after['has_image']).toBe(false);
    expect((await fetch(after['image_url'] as string)).headers.get('content-type')).toBe('image/svg+xml');
    expect((await b.call('DELETE', '/me/profile_image')).status).toBe(404);
    expect(b.specFailures).toEqual([]);
  });

  it('deletes the account when the application allows it, signing this client out; refuses when it does not', async () => {
    const email = `leaving${++seq}.${Date.now()}@me.test`;
    const user = await t.clerk.users.createUser({ emailAddress: [email], password: PASSWORD, externalId: `ext-${seq}` });
    const b = new FapiBrowser(t.url);
    const sessionId = await signInAs(b, email);
    const deleted = await b.call('DELETE', `/me?_clerk_session_id=${sessionId}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.response).toEqual({ object: 'user', id: user.id, deleted: true });
    expect(deleted.body.client?.sessions).toEqual([]);
    expect((await t.request('GET', `/v1/users/${user.id}`)).status).toBe(404);
    const audit = await t.request('GET', `/v1/audit_events?user_id=${user.id}&type=user.deleted`);
    expect((audit.body as { data: { actor: { type: string; id: string | null } }[] }).data[0]?.actor).toMatchObject({ type: 'user', id: user.id });
    expect((await b.call('GET', '/me')).status).toBe(401);

    const staying = await signedIn();
    expect((await t.request('PATCH', `/v1/users/${staying.userId}`, { body: { delete_self_enabled: false } })).status).toBe(200);
    const refused = await staying.b.call('DELETE', '/me');
    expect(refused.status).toBe(403);
    expect(refused.body.errors?.[0]?.code).toBe('not_allowed_access');
    expect((await t.request('GET', `/v1/users/${staying.userId}`)).status).toBe(200);

    // The instance can turn it off for everyone; <UserProfile/> then offers no deletion.
    const anyone = await signedIn();
    expect((await t.request('PATCH', '/v1/instance/user_settings', { body: { actions: { delete_self: false } } })).status).toBe(200);
    try {
      const env = await anyone.b.call('GET', '/environment');
      expect((env.body['user_settings'] as { actions: { delete_self: boolean } }).actions.delete_self).toBe(false);
      const off = await anyone.b.call('DELETE', '/me');
      expect([off.status, off.body.errors?.[0]?.code]).toEqual([403, 'not_allowed_access']);
      expect((await t.request('GET', `/v1/users/${anyone.userId}`)).status).toBe(200);
    } finally {
      await t.request('PATCH', '/v1/instance/user_settings', { body: { actions: { delete_self: true } } });
    }
    expect([...b.specFailures, ...staying.b.specFailures, ...anyone.b.specFailures]).toEqual([]);
  });

  it('answers 401 signed_out without a session, for another client’s session, and after sign-out', async () => {
    const anonymous = new FapiBrowser(t.url);
    const none = await anonymous.call('GET', '/me');
    expect(none.status).toBe(401);
    expect(none.body.errors?.[0]?.code).toBe('signed_out');

    const mine = await signedIn();
    const theirs = await signedIn();
    const foreign = await mine.b.call('GET', `/me?_clerk_session_id=${theirs.sessionId}`);
    expect(foreign.status).toBe(401);
    expect(JSON.stringify(foreign.body)).not.toContain(theirs.userId);
    const change = await mine.b.call('PATCH', `/me?_clerk_session_id=${theirs.sessionId}`, { first_name: 'Mallory' });
    expect(change.status).toBe(401);
    expect((await bapiUser(theirs.userId)).first_name).toBe('Ada');

    expect((await mine.b.call('DELETE', '/client/sessions')).status).toBe(200);
    expect((await mine.b.call('GET', `/me?_clerk_session_id=${mine.sessionId}`)).status).toBe(401);
    expect(mine.b.specFailures).toEqual([]);
  });
});
