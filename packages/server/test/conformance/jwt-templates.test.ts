import { verifyToken } from '@clerk/backend';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClerkError } from '../support/clerk-errors.js';
import { canary, LEAK_CANARY } from '../support/leak-canary.js';
import { recordSpecConformance, type SpecRecorder } from '../support/spec-recorder.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let spec: SpecRecorder;
let userId: string;
let orgId: string;

beforeAll(async () => {
  t = await startTestServer();
  spec = recordSpecConformance(t.url);
  const user = await t.clerk.users.createUser({
    emailAddress: ['maria@templates.test'],
    firstName: 'Maria',
    lastName: 'Doe',
    externalId: 'ext-42',
    publicMetadata: { role: 'editor', profile: { interests: ['reading', 'climbing'] } },
    privateMetadata: { secret: canary('user') },
    unsafeMetadata: { theme: 'dark' },
  });
  userId = user.id;
  const org = await t.clerk.organizations.createOrganization({
    name: 'Template Org',
    slug: 'template-org',
    createdBy: userId,
    publicMetadata: { plan: 'pro' },
    privateMetadata: { billing: canary('organization') },
  });
  orgId = org.id;
  await t.clerk.organizations.updateOrganizationMembershipMetadata({ organizationId: orgId, userId, publicMetadata: { team: 'red' }, privateMetadata: { note: canary('membership') } });
});

afterAll(async () => {
  spec?.restore();
  await t?.close();
});

/** The SDK error's first entry, for checks beyond status and code. */
async function firstError(call: Promise<unknown>): Promise<{ code?: string; longMessage?: string; meta?: { paramName?: string } }> {
  try {
    await call;
  } catch (error) {
    return (error as { errors?: { code?: string; longMessage?: string; meta?: { paramName?: string } }[] }).errors?.[0] ?? {};
  }
  throw new Error('expected the call to fail');
}

describe('JWT template CRUD through @clerk/backend', () => {
  it('creates with defaults, gets, lists paginated, updates and deletes', async () => {
    const created = await t.clerk.jwtTemplates.create({ name: 'crud_one', claims: { aud: 'one', n: 1 } });
    expect(created).toMatchObject({
      name: 'crud_one',
      claims: { aud: 'one', n: 1 },
      lifetime: 60,
      allowedClockSkew: 5,
      customSigningKey: false,
      signingAlgorithm: 'RS256',
    });
    expect(created.id).toMatch(/^jtmpl_/);
    expect(created.createdAt).toBe(created.updatedAt);

    const second = await t.clerk.jwtTemplates.create({ name: 'crud-two', claims: {}, lifetime: 3600, allowedClockSkew: 0, customSigningKey: false, signingAlgorithm: 'RS256' });
    expect(second).toMatchObject({ lifetime: 3600, allowedClockSkew: 0 });

    expect(await t.clerk.jwtTemplates.get(created.id)).toMatchObject({ id: created.id, name: 'crud_one' });

    const list = await t.clerk.jwtTemplates.list({ limit: 1 });
    expect(list.totalCount).toBeGreaterThanOrEqual(2);
    expect(list.data).toHaveLength(1);
    const all = await t.clerk.jwtTemplates.list({ limit: 100 });
    expect(all.data.map((x) => x.id)).toEqual(expect.arrayContaining([created.id, second.id]));

    const raw = await t.request('GET', '/v1/jwt_templates');
    expect(Array.isArray(raw.body)).toBe(true);

    const updated = await t.clerk.jwtTemplates.update({ templateId: created.id, name: 'crud_renamed', claims: { aud: 'renamed' }, lifetime: 120 });
    expect(updated).toMatchObject({ id: created.id, name: 'crud_renamed', claims: { aud: 'renamed' }, lifetime: 120, allowedClockSkew: 5 });
    // Omitted settings stay; null puts the default back.
    const kept = await t.clerk.jwtTemplates.update({ templateId: created.id, name: 'crud_renamed', claims: {} });
    expect(kept.lifetime).toBe(120);
    const reset = await t.clerk.jwtTemplates.update({ templateId: created.id, name: 'crud_renamed', claims: {}, lifetime: null });
    expect(reset.lifetime).toBe(60);

    const deleted = await t.clerk.jwtTemplates.delete(created.id);
    expect(deleted).toMatchObject({ object: 'jwt_template', id: created.id, deleted: true });
    await expectClerkError(t.clerk.jwtTemplates.get(created.id), 404, 'resource_not_found');
    await expectClerkError(t.clerk.jwtTemplates.delete(created.id), 404, 'resource_not_found');
    await expectClerkError(t.clerk.jwtTemplates.update({ templateId: created.id, name: 'x', claims: {} }), 404, 'resource_not_found');
  });

  it('refuses a taken name on create and on rename', async () => {
    const a = await t.clerk.jwtTemplates.create({ name: 'dup_a', claims: {} });
    await t.clerk.jwtTemplates.create({ name: 'dup_b', claims: {} });
    await expectClerkError(t.clerk.jwtTemplates.create({ name: 'dup_a', claims: {} }), 422, 'form_identifier_exists', 'name');
    await expectClerkError(t.clerk.jwtTemplates.update({ templateId: a.id, name: 'dup_b', claims: {} }), 422, 'form_identifier_exists', 'name');
    // Keeping its own name is not a conflict.
    expect((await t.clerk.jwtTemplates.update({ templateId: a.id, name: 'dup_a', claims: { x: 1 } })).claims).toEqual({ x: 1 });
  });

  it('ends concurrent creates of one name with one template and clear 422s', async () => {
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => t.clerk.jwtTemplates.create({ name: 'race', claims: {} })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as { errors?: { code: string }[] }).errors?.[0]?.code).toBe('form_identifier_exists');
    }
  });

  it('validates names, claims, lifetimes and signing settings', async () => {
    for (const name of ['', 'has space', 'dot.ted', 'x'.repeat(65), 'émoji']) {
      await expectClerkError(t.clerk.jwtTemplates.create({ name, claims: {} }), 422, 'form_param_format_invalid', 'name');
    }
    expect((await t.clerk.jwtTemplates.create({ name: 'x'.repeat(64), claims: {} })).name).toHaveLength(64);

    const reserved = await firstError(t.clerk.jwtTemplates.create({ name: 'reserved', claims: { sub: '{{user.id}}', exp: 1, aud: 'ok' } }));
    expect(reserved).toMatchObject({ code: 'form_param_value_invalid', meta: { paramName: 'claims' } });
    expect(reserved.longMessage).toContain('sub, exp');
    for (const claim of ['iss', 'sid', 'iat', 'nbf', 'azp', 'jti']) {
      await expectClerkError(t.clerk.jwtTemplates.create({ name: 'reserved', claims: { [claim]: 'x' } }), 422, 'form_param_value_invalid', 'claims');
    }

    const syntax = await firstError(t.clerk.jwtTemplates.create({ name: 'syntax', claims: { a: { b: ['{{user.id ||}}'] } } }));
    expect(syntax).toMatchObject({ code: 'form_param_value_invalid', meta: { paramName: 'claims' } });
    expect(syntax.longMessage).toContain('{{user.id ||}}');

    await expectClerkError(t.clerk.jwtTemplates.create({ name: 'big', claims: { blob: 'x'.repeat(8200) } }), 422, 'form_param_exceeds_allowed_size', 'claims');
    await expectClerkError(t.clerk.jwtTemplates.create({ name: 'arr', claims: ['x'] as never }), 422, 'form_param_format_invalid', 'claims');
    const missing = await t.request('POST', '/v1/jwt_templates', { body: { name: 'no_claims' } });
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({ errors: [{ code: 'form_param_missing', meta: { param_name: 'claims' } }] });

    for (const lifetime of [29, 604_801, 315_360_000]) {
      await expectClerkError(t.clerk.jwtTemplates.create({ name: 'life', claims: {}, lifetime }), 422, 'form_param_value_invalid', 'lifetime');
    }
    for (const allowedClockSkew of [-1, 301]) {
      await expectClerkError(t.clerk.jwtTemplates.create({ name: 'skew', claims: {}, allowedClockSkew }), 422, 'form_param_value_invalid', 'allowed_clock_skew');
    }
    await expectClerkError(t.clerk.jwtTemplates.create({ name: 'frac', claims: {}, lifetime: 60.5 }), 422, 'form_param_format_invalid', 'lifetime');

    const custom = await firstError(t.clerk.jwtTemplates.create({ name: 'custom', claims: {}, customSigningKey: true, signingAlgorithm: 'HS256', signingKey: 'k' }));
    expect(custom).toMatchObject({ code: 'form_param_value_invalid', meta: { paramName: 'custom_signing_key' } });
    expect(custom.longMessage).toMatch(/not supported/);
    await expectClerkError(t.clerk.jwtTemplates.create({ name: 'alg', claims: {}, signingAlgorithm: 'ES256' }), 422, 'form_param_value_invalid', 'signing_algorithm');
    await expectClerkError(t.clerk.jwtTemplates.create({ name: 'key', claims: {}, signingKey: '-----BEGIN PRIVATE KEY-----' }), 422, 'form_param_value_invalid', 'signing_key');

    // Nothing above was stored.
    const names = (await t.clerk.jwtTemplates.list({ limit: 500 })).data.map((x) => x.name);
    for (const name of ['reserved', 'syntax', 'big', 'life', 'skew', 'custom', 'alg', 'key']) expect(names).not.toContain(name);
  });
});

describe('template tokens', () => {
  const claims = {
    aud: 'https://third-party.test',
    static: { list: [1, 2, 3], flag: true },
    meta: '{{user.public_metadata}}',
    interests: '{{user.public_metadata.profile.interests}}',
    email: '{{user.primary_email_address}}',
    email_verified: '{{user.email_verified}}',
    phone_verified: '{{user.phone_number_verified}}',
    phone: '{{user.primary_phone_number}}',
    full_name: '{{user.first_name}} {{user.last_name}}',
    greeting: "Hello {{user.username || 'friend'}}",
    external: '{{user.external_id || user.id}}',
    created: '{{user.created_at}}',
    unsafe: '{{user.unsafe_metadata.theme}}',
    org: { id: '{{org.id}}', name: '{{org.name}}', slug: '{{org.slug}}', role: '{{org.role}}', meta: '{{org.public_metadata}}' },
    team: '{{org_membership.public_metadata.team}}',
    actor: '{{session.actor}}',
    private: '{{user.private_metadata}}',
    private_path: '{{user.private_metadata.secret}}',
    org_private: '{{org.private_metadata}}',
    membership_private: '{{org_membership.private_metadata}}',
    unknown: '{{user.i_dont_exist}}',
  };

  it('renders the claims with their types, signs with the instance key, and honours lifetime and skew', async () => {
    await t.clerk.jwtTemplates.create({ name: 'third_party', claims, lifetime: 300, allowedClockSkew: 30 });
    const session = await t.clerk.sessions.createSession({ userId, activeOrganizationId: orgId } as never);
    const { jwt } = await t.clerk.sessions.getToken(session.id, 'third_party');

    expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    const { keys } = await t.clerk.jwks.getJwks();
    expect(keys?.map((k) => (k as { kid: string }).kid)).toContain(decodeProtectedHeader(jwt).kid);

    const token = decodeJwt(jwt);
    const user = await t.clerk.users.getUser(userId);
    expect(token).toMatchObject({
      aud: 'https://third-party.test',
      static: { list: [1, 2, 3], flag: true },
      meta: { role: 'editor', profile: { interests: ['reading', 'climbing'] } },
      interests: ['reading', 'climbing'],
      email: 'maria@templates.test',
      email_verified: true,
      phone_verified: false,
      phone: null,
      full_name: 'Maria Doe',
      greeting: 'Hello friend',
      external: 'ext-42',
      created: Math.floor(user.createdAt / 1000),
      unsafe: 'dark',
      org: { id: orgId, name: 'Template Org', slug: 'template-org', role: 'org:admin', meta: { plan: 'pro' } },
      team: 'red',
      actor: null,
      private: null,
      private_path: null,
      org_private: null,
      membership_private: null,
      unknown: null,
      iss: `https://${new URL(t.url).host}`,
      sub: userId,
    });
    expect(typeof token.jti).toBe('string');
    // A template token is not bound to the session (Clerk's default claims for custom JWTs).
    expect(token.sid).toBeUndefined();
    expect(JSON.stringify(token)).not.toContain(LEAK_CANARY);
    expect((token.exp ?? 0) - (token.iat ?? 0)).toBe(300);
    expect((token.iat ?? 0) - (token.nbf ?? 0)).toBe(30);

    const verified = await verifyToken(jwt, { secretKey: t.secretKey, apiUrl: t.url });
    expect(verified.sub).toBe(userId);
  });

  it('lets expires_in_seconds override the template lifetime', async () => {
    await t.clerk.jwtTemplates.create({ name: 'short', claims: { kind: 'short' } });
    const session = await t.clerk.sessions.createSession({ userId } as never);
    const defaults = decodeJwt((await t.clerk.sessions.getToken(session.id, 'short')).jwt);
    expect((defaults.exp ?? 0) - (defaults.iat ?? 0)).toBe(60);
    expect((defaults.iat ?? 0) - (defaults.nbf ?? 0)).toBe(5);
    const longer = decodeJwt((await t.clerk.sessions.getToken(session.id, 'short', 900)).jwt);
    expect((longer.exp ?? 0) - (longer.iat ?? 0)).toBe(900);
  });

  it('renders organization shortcodes as null without an active organization', async () => {
    await t.clerk.jwtTemplates.create({ name: 'no_org', claims: { org: '{{org.slug}}', role: "{{org.role || 'none'}}", label: 'org={{org.id}}' } });
    const session = await t.clerk.sessions.createSession({ userId } as never);
    const token = decodeJwt((await t.clerk.sessions.getToken(session.id, 'no_org')).jwt);
    expect(token).toMatchObject({ org: null, role: 'none', label: 'org=null' });
  });

  it('reads the template as it is now: an update shows in the next token', async () => {
    const tmpl = await t.clerk.jwtTemplates.create({ name: 'evolving', claims: { v: 1 } });
    const session = await t.clerk.sessions.createSession({ userId } as never);
    expect(decodeJwt((await t.clerk.sessions.getToken(session.id, 'evolving')).jwt)['v']).toBe(1);
    await t.clerk.jwtTemplates.update({ templateId: tmpl.id, name: 'evolving', claims: { v: 2 } });
    expect(decodeJwt((await t.clerk.sessions.getToken(session.id, 'evolving')).jwt)['v']).toBe(2);
    await t.clerk.jwtTemplates.delete(tmpl.id);
    await expectClerkError(t.clerk.sessions.getToken(session.id, 'evolving'), 404, 'resource_not_found');
  });

  it('refuses unknown templates and sessions, inactive sessions and banned users', async () => {
    await t.clerk.jwtTemplates.create({ name: 'guarded', claims: {} });
    const session = await t.clerk.sessions.createSession({ userId } as never);
    await expectClerkError(t.clerk.sessions.getToken(session.id, 'no_such_template'), 404, 'resource_not_found');
    await expectClerkError(t.clerk.sessions.getToken('sess_missing', 'guarded'), 404, 'resource_not_found');
    await expectClerkError(t.clerk.sessions.getToken(session.id, 'guarded', 10), 422, 'form_param_format_invalid', 'expires_in_seconds');

    await t.clerk.sessions.revokeSession(session.id);
    await expectClerkError(t.clerk.sessions.getToken(session.id, 'guarded'), 422, 'session_not_active');

    const banned = await t.clerk.users.createUser({ emailAddress: ['banned@templates.test'] });
    const bannedSession = await t.clerk.sessions.createSession({ userId: banned.id } as never);
    await t.clerk.users.banUser(banned.id);
    await expectClerkError(t.clerk.sessions.getToken(bannedSession.id, 'guarded'), 422, 'session_not_active');
  });
});

describe('spec conformance of every reply above', () => {
  it('matched the Clerk Backend API spec', () => {
    expect(spec.failures).toEqual([]);
    expect(spec.checked).toBeGreaterThan(60);
  });
});
