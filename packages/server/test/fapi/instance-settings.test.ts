import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectReplyMatchesSpec } from '../support/clerk-spec.js';
import { FapiBrowser } from '../support/fapi-client.js';
import { openSecondStore, startTestServer, type TestServer } from '../support/test-server.js';
import { readInstanceSettings } from '../../src/domain/settings/instance-settings.js';

/** Instance settings changed at run time through the Backend API, seen by the browser and by every process. */
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

type Attributes = Record<string, { enabled: boolean; required: boolean; used_for_first_factor: boolean; first_factors: string[] }>;

async function attributes(): Promise<Attributes> {
  const env = await new FapiBrowser(t.url).call('GET', '/environment');
  return (env.body['user_settings'] as { attributes: Attributes }).attributes;
}

describe('instance settings', () => {
  it('starts from the defaults and changes what the environment offers', async () => {
    const initial = await t.request('GET', '/v1/instance/user_settings');
    expect(initial.status).toBe(200);
    expect(initial.body).toMatchObject({ sign_up: { mode: 'public' }, password: { enabled: true, required: true }, username: { enabled: false } });

    const changed = await t.request('PATCH', '/v1/instance/user_settings', {
      body: {
        username: { enabled: true, required: false, used_for_first_factor: true },
        email_address: { enabled: true, required: true, used_for_first_factor: true, first_factors: ['email_code', 'email_link'], verifications: ['email_code'], verify_at_sign_up: true },
      },
    });
    expect(changed.status).toBe(200);
    const attrs = await attributes();
    expect(attrs['username']).toMatchObject({ enabled: true, used_for_first_factor: true });
    expect(attrs['email_address']?.first_factors).toEqual(['email_code', 'email_link']);

    // Another process reads the same settings from the store.
    const second = await openSecondStore(t);
    try {
      const seen = await readInstanceSettings({ ...t.server.ctx, store: second });
      expect(seen.username.enabled).toBe(true);
    } finally {
      await second.close();
    }
  });

  it('refuses settings that do not validate, and changes nothing', async () => {
    const bad = await t.request('PATCH', '/v1/instance/user_settings', { body: { sign_up: { mode: 'everyone' } } });
    expect(bad.status).toBe(422);
    expect((bad.body as { errors: { meta: { param_name: string } }[] }).errors[0]?.meta.param_name).toBe('sign_up');
    const unknown = await t.request('PATCH', '/v1/instance/user_settings', { body: { shoe_size: 42 } });
    expect(unknown.status).toBe(422);
    const after = await t.request('GET', '/v1/instance/user_settings');
    expect(after.body).toMatchObject({ sign_up: { mode: 'public' } });
  });

  it("turns organizations off and on with Clerk's organization settings endpoint", async () => {
    const off = await t.request('PATCH', '/v1/instance/organization_settings', { body: { enabled: false } });
    expect(off.status).toBe(200);
    expectReplyMatchesSpec('PATCH', '/instance/organization_settings', 200, off.body);
    const env = await new FapiBrowser(t.url).call('GET', '/environment');
    expect((env.body['organization_settings'] as { enabled: boolean }).enabled).toBe(false);
    const on = await t.request('PATCH', '/v1/instance/organization_settings', { body: { enabled: true } });
    expect((on.body as { enabled: boolean }).enabled).toBe(true);
  });
});
