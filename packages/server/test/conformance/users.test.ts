import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bcrypt from 'bcryptjs';
import { expectClerkError } from '../support/clerk-errors.js';
import { recordSpecConformance, type SpecRecorder } from '../support/spec-recorder.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
let spec: SpecRecorder;

beforeAll(async () => {
  // Private metadata is read back exactly here: no planted canary (test-server.ts).
  t = await startTestServer({}, { plantCanary: false });
  spec = recordSpecConformance(t.url);
});

afterAll(async () => {
  spec?.restore();
  await t?.close();
});

const password = 'violet lanterns drift at dawn';

describe('users through @clerk/backend', () => {
  it('creates a user with every identifier and reads it back', async () => {
    const user = await t.clerk.users.createUser({
      emailAddress: ['Ada.Lovelace@Example.com', 'ada@analytical.engine'],
      phoneNumber: ['+14155552671'],
      username: 'ada_lovelace',
      password,
      firstName: 'Ada',
      lastName: 'Lovelace',
      externalId: 'legacy-1815',
      publicMetadata: { plan: 'pro', nested: { innerCamel: 1 } },
      privateMetadata: { stripeId: 'cus_1' },
      unsafeMetadata: { theme: 'dark' },
    });
    expect(user.id).toMatch(/^user_[0-9A-Za-z]{27}$/);
    expect(user.emailAddresses.map((e) => e.emailAddress)).toEqual(['ada.lovelace@example.com', 'ada@analytical.engine']);
    expect(user.primaryEmailAddressId).toBe(user.emailAddresses[0]?.id);
    expect(user.emailAddresses[0]?.verification?.status).toBe('verified');
    expect(user.phoneNumbers[0]?.phoneNumber).toBe('+14155552671');
    expect(user.primaryPhoneNumberId).toBe(user.phoneNumbers[0]?.id);
    expect(user.username).toBe('ada_lovelace');
    expect(user.passwordEnabled).toBe(true);
    expect(user.externalId).toBe('legacy-1815');
    expect(user.publicMetadata).toEqual({ plan: 'pro', nested: { innerCamel: 1 } });
    expect(user.privateMetadata).toEqual({ stripeId: 'cus_1' });
    expect(user.unsafeMetadata).toEqual({ theme: 'dark' });
    expect(user.banned).toBe(false);
    expect(user.locked).toBe(false);
    expect(Math.abs(user.createdAt - Date.now())).toBeLessThan(60_000);

    const again = await t.clerk.users.getUser(user.id);
    expect(again.raw).toEqual(user.raw);
  });

  it('creates reserved identifications when asked', async () => {
    const user = await t.clerk.users.createUser({
      emailAddress: ['reserved.one@example.com'],
      emailAddressIdentificationStatus: ['reserved'],
      skipPasswordRequirement: true,
    });
    expect((user.raw?.email_addresses as unknown as { reserved: boolean }[])[0]?.reserved).toBe(true);
    expect(user.emailAddresses[0]?.verification).toBeNull();
  });

  it('refuses an email address, phone number, username or external id another user holds', async () => {
    const usersBefore = await t.clerk.users.getCount();
    const eventsBefore = await t.server.store.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    await expectClerkError(t.clerk.users.createUser({ emailAddress: ['ADA.lovelace@example.com'] }), 422, 'form_identifier_exists', 'email_address');
    await expectClerkError(t.clerk.users.createUser({ phoneNumber: ['+1 415 555 2671'] }), 422, 'form_identifier_exists', 'phone_number');
    await expectClerkError(t.clerk.users.createUser({ username: 'ADA_Lovelace' }), 422, 'form_identifier_exists', 'username');
    await expectClerkError(
      t.clerk.users.createUser({ emailAddress: ['other@example.com'], externalId: 'legacy-1815' }),
      422,
      'form_identifier_exists',
      'external_id',
    );
    // A refused create leaves nothing behind: the rows written before the clash are rolled back.
    // The last one clashes on its last identifier, after the user and its email were inserted.
    await expectClerkError(
      t.clerk.users.createUser({ emailAddress: ['fresh.address@example.com'], phoneNumber: ['+1 415 555 2671'] }),
      422,
      'form_identifier_exists',
      'phone_number',
    );
    expect(await t.clerk.users.getCount()).toBe(usersBefore);
    expect(await t.clerk.users.getCount({ emailAddress: ['fresh.address@example.com'] })).toBe(0);
    expect(await t.clerk.users.getCount({ query: 'fresh.address' })).toBe(0);
    const eventsAfter = await t.server.store.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(eventsAfter.n)).toBe(Number(eventsBefore.n));
  });

  it('applies the password policy and explains the rejection', async () => {
    await expectClerkError(t.clerk.users.createUser({ emailAddress: ['p1@example.com'], password: 'short' }), 422, 'form_password_length_too_short', 'password');
    await expectClerkError(t.clerk.users.createUser({ emailAddress: ['p2@example.com'], password: 'password123' }), 422, 'form_password_pwned', 'password');
    await expectClerkError(
      t.clerk.users.createUser({ emailAddress: ['grace.hopper@example.com'], password: 'gracehopper1906!' }),
      422,
      'form_password_not_strong_enough',
      'password',
    );
    const skipped = await t.clerk.users.createUser({ emailAddress: ['p3@example.com'], password: 'password123', skipPasswordChecks: true });
    expect(skipped.passwordEnabled).toBe(true);
  });

  it('rejects malformed identifiers with the parameter named', async () => {
    await expectClerkError(t.clerk.users.createUser({ emailAddress: ['not-an-email'] }), 422, 'form_param_format_invalid', 'email_address');
    await expectClerkError(t.clerk.users.createUser({ phoneNumber: ['12345'] }), 422, 'form_param_format_invalid', 'phone_number');
    await expectClerkError(t.clerk.users.createUser({ username: 'ab' }), 422, 'form_username_invalid_length', 'username');
    await expectClerkError(t.clerk.users.createUser({}), 422, 'form_param_missing', 'email_address');
  });

  it('imports a bcrypt digest, verifies it and upgrades it to argon2id', async () => {
    const digest = bcrypt.hashSync('imported-secret-42', 10);
    const user = await t.clerk.users.createUser({ emailAddress: ['imported@example.com'], passwordDigest: digest, passwordHasher: 'bcrypt' });
    expect(user.passwordEnabled).toBe(true);
    await expectClerkError(t.clerk.users.verifyPassword({ userId: user.id, password: 'wrong-secret' }), 422, 'form_password_incorrect');
    expect(await t.clerk.users.verifyPassword({ userId: user.id, password: 'imported-secret-42' })).toEqual({ verified: true });
    const row = await t.server.store.db.selectFrom('users').select(['password_hasher', 'password_digest']).where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.password_hasher).toBe('gatehouse');
    expect(row.password_digest).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await t.clerk.users.verifyPassword({ userId: user.id, password: 'imported-secret-42' })).toEqual({ verified: true });
  });

  it('rejects a malformed digest at import', async () => {
    await expectClerkError(
      t.clerk.users.createUser({ emailAddress: ['baddigest@example.com'], passwordDigest: 'nonsense', passwordHasher: 'bcrypt' }),
      422,
      'form_password_digest_invalid',
    );
  });

  it('returns 404 resource_not_found for an unknown user', async () => {
    await expectClerkError(t.clerk.users.getUser('user_doesnotexist'), 404, 'resource_not_found');
  });

  it('updates profile fields, username and primary email', async () => {
    const created = await t.clerk.users.createUser({ emailAddress: ['first@example.com', 'second@example.com'], firstName: 'Old' });
    const second = created.emailAddresses[1]!;
    const updated = await t.clerk.users.updateUser(created.id, {
      firstName: 'New',
      lastName: 'Name',
      username: 'new_name',
      externalId: 'ext-new',
      primaryEmailAddressID: second.id,
    });
    expect(updated.firstName).toBe('New');
    expect(updated.lastName).toBe('Name');
    expect(updated.username).toBe('new_name');
    expect(updated.externalId).toBe('ext-new');
    expect(updated.primaryEmailAddressId).toBe(second.id);
    expect(updated.updatedAt).toBeGreaterThanOrEqual(created.updatedAt);
    await expectClerkError(t.clerk.users.updateUser(created.id, { username: 'ada_lovelace' }), 422, 'form_identifier_exists', 'username');
    await expectClerkError(t.clerk.users.updateUser('user_missing', { firstName: 'x' }), 404, 'resource_not_found');
  });

  it('changes a password so that only the new one verifies', async () => {
    const user = await t.clerk.users.createUser({ emailAddress: ['rotate@example.com'], password });
    await t.clerk.users.updateUser(user.id, { password: 'an entirely new passphrase' });
    await expectClerkError(t.clerk.users.verifyPassword({ userId: user.id, password }), 422, 'form_password_incorrect');
    expect(await t.clerk.users.verifyPassword({ userId: user.id, password: 'an entirely new passphrase' })).toEqual({ verified: true });
  });

  it('deep-merges metadata on PATCH, deleting keys set to null, and replaces it on PUT', async () => {
    const user = await t.clerk.users.createUser({
      emailAddress: ['meta@example.com'],
      publicMetadata: { a: 1, nested: { keep: true, drop: 'x' }, list: [1, 2] },
    });
    const merged = await t.clerk.users.updateUserMetadata(user.id, {
      publicMetadata: { b: 2, nested: { drop: null, added: 'y' }, list: [3] },
      privateMetadata: { secret: 's' },
    });
    expect(merged.publicMetadata).toEqual({ a: 1, b: 2, nested: { keep: true, added: 'y' }, list: [3] });
    expect(merged.privateMetadata).toEqual({ secret: 's' });
    const replaced = await t.clerk.users.replaceUserMetadata(user.id, { publicMetadata: { only: true } });
    expect(replaced.publicMetadata).toEqual({ only: true });
    expect(replaced.privateMetadata).toEqual({ secret: 's' });
  });

  it('refuses metadata over 8 KB', async () => {
    const user = await t.clerk.users.createUser({ emailAddress: ['bigmeta@example.com'] });
    await expectClerkError(
      t.clerk.users.updateUserMetadata(user.id, { publicMetadata: { blob: 'x'.repeat(9000) } }),
      422,
      'form_param_exceeds_allowed_size',
      'public_metadata',
    );
  });

  it('bans, unbans, locks and unlocks', async () => {
    const user = await t.clerk.users.createUser({ emailAddress: ['restrict@example.com'] });
    expect((await t.clerk.users.banUser(user.id)).banned).toBe(true);
    expect((await t.clerk.users.unbanUser(user.id)).banned).toBe(false);
    const locked = await t.clerk.users.lockUser(user.id);
    expect(locked.locked).toBe(true);
    expect(locked.raw?.lockout_expires_in_seconds).toBeGreaterThan(3590);
    const unlocked = await t.clerk.users.unlockUser(user.id);
    expect(unlocked.locked).toBe(false);
    expect(unlocked.raw?.lockout_expires_in_seconds).toBeNull();
    expect(unlocked.raw?.verification_attempts_remaining).toBe(10);
  });

  it('removes a password and flags a password as compromised', async () => {
    const user = await t.clerk.users.createUser({ emailAddress: ['removepw@example.com'], password });
    expect((await t.clerk.users.setPasswordCompromised(user.id)).id).toBe(user.id);
    expect((await t.clerk.users.unsetPasswordCompromised(user.id)).id).toBe(user.id);
    const removed = await t.clerk.users.removePassword(user.id);
    expect(removed.passwordEnabled).toBe(false);
    await expectClerkError(t.clerk.users.verifyPassword({ userId: user.id, password }), 400, 'password_not_set');
    await expectClerkError(t.clerk.users.setPasswordCompromised(user.id), 400, 'password_not_set');
  });

  it('deletes a user, frees its identifiers and returns a deleted object', async () => {
    const user = await t.clerk.users.createUser({ emailAddress: ['gone@example.com'], username: 'gone_user', externalId: 'gone-ext' });
    const deleted = await t.clerk.users.deleteUser(user.id);
    expect(deleted).toMatchObject({ id: user.id, object: 'user', deleted: true });
    await expectClerkError(t.clerk.users.getUser(user.id), 404, 'resource_not_found');
    await expectClerkError(t.clerk.users.deleteUser(user.id), 404, 'resource_not_found');
    const reborn = await t.clerk.users.createUser({ emailAddress: ['gone@example.com'], username: 'gone_user', externalId: 'gone-ext' });
    expect(reborn.id).not.toBe(user.id);
  });
});

describe('listing and counting users', () => {
  const ids: string[] = [];

  beforeAll(async () => {
    const people = [
      { first: 'Zelda', last: 'Fitzgerald', email: 'zelda@list.test', username: 'zelda_f', phone: '+442071838750' },
      { first: 'Alan', last: 'Turing', email: 'alan@list.test', username: 'alan_t', phone: '+442079460000' },
      { first: 'Barbara', last: 'Liskov', email: 'barbara@list.test', username: 'barbara_l', phone: null },
      { first: 'Edsger', last: 'Dijkstra', email: 'edsger@list.test', username: null, phone: null },
    ];
    for (const p of people) {
      const user = await t.clerk.users.createUser({
        emailAddress: [p.email],
        firstName: p.first,
        lastName: p.last,
        externalId: `list-${p.first.toLowerCase()}`,
        ...(p.username ? { username: p.username } : {}),
        ...(p.phone ? { phoneNumber: [p.phone] } : {}),
      });
      ids.push(user.id);
    }
  });

  it('lists newest first by default and pages with limit and offset', async () => {
    const page1 = await t.clerk.users.getUserList({ limit: 2 });
    const page2 = await t.clerk.users.getUserList({ limit: 2, offset: 2 });
    expect(page1.data).toHaveLength(2);
    expect(page1.data[0]?.id).toBe(ids[3]);
    expect(page1.data[1]?.id).toBe(ids[2]);
    expect(page2.data[0]?.id).toBe(ids[1]);
    expect(page1.totalCount).toBe(await t.clerk.users.getCount());
  });

  it('filters by email address, phone number, username, user id and external id', async () => {
    expect((await t.clerk.users.getUserList({ emailAddress: ['ALAN@list.test'] })).data.map((u) => u.id)).toEqual([ids[1]]);
    expect((await t.clerk.users.getUserList({ phoneNumber: ['+44 20 7183 8750'] })).data.map((u) => u.id)).toEqual([ids[0]]);
    expect((await t.clerk.users.getUserList({ username: ['barbara_l', 'nobody'] })).data.map((u) => u.id)).toEqual([ids[2]]);
    const byId = await t.clerk.users.getUserList({ userId: [ids[0]!, ids[3]!], orderBy: '+created_at' });
    expect(byId.data.map((u) => u.id)).toEqual([ids[0], ids[3]]);
    expect(byId.totalCount).toBe(2);
    const excluded = await t.clerk.users.getUserList({ externalId: ['list-zelda', 'list-alan'] });
    expect(excluded.data.map((u) => u.id).sort()).toEqual([ids[0], ids[1]].sort());
    const notZelda = await t.clerk.users.getUserList({ userId: [`-${ids[0]}`], query: 'list.test', limit: 100 });
    expect(notZelda.data.map((u) => u.id).sort()).toEqual([ids[1], ids[2], ids[3]].sort());
  });

  it('searches by partial match across names, emails, phones, usernames and ids', async () => {
    const q = async (query: string) => (await t.clerk.users.getUserList({ query, limit: 100 })).data.map((u) => u.id).sort();
    expect(await q('uring')).toEqual([ids[1]]);
    expect(await q('BARBARA@LIST')).toEqual([ids[2]]);
    expect(await q('7183')).toEqual([ids[0]]);
    expect(await q('zelda_')).toEqual([ids[0]]);
    expect(await q(ids[3]!.slice(-12))).toEqual([ids[3]]);
    expect(await q('Alan Turing')).toEqual([ids[1]]);
    expect(await q('100%_')).toEqual([]);
    expect(await t.clerk.users.getCount({ query: 'list.test' })).toBe(4);
  });

  it('orders by names, email and username in both directions, nulls last', async () => {
    const order = async (orderBy: Parameters<typeof t.clerk.users.getUserList>[0] extends infer P ? (P extends { orderBy?: infer O } ? O : never) : never) =>
      (await t.clerk.users.getUserList({ query: 'list.test', orderBy, limit: 100 })).data.map((u) => u.firstName);
    expect(await order('+first_name')).toEqual(['Alan', 'Barbara', 'Edsger', 'Zelda']);
    expect(await order('-first_name')).toEqual(['Zelda', 'Edsger', 'Barbara', 'Alan']);
    expect(await order('last_name')).toEqual(['Edsger', 'Zelda', 'Barbara', 'Alan']);
    expect(await order('+email_address')).toEqual(['Alan', 'Barbara', 'Edsger', 'Zelda']);
    expect(await order('-email_address')).toEqual(['Zelda', 'Edsger', 'Barbara', 'Alan']);
    expect(await order('+username')).toEqual(['Alan', 'Barbara', 'Zelda', 'Edsger']);
    expect(await order('-username')).toEqual(['Zelda', 'Barbara', 'Alan', 'Edsger']);
  });

  it('orders by primary phone number, users without one last and in id order', async () => {
    const order = async (orderBy: string) =>
      ((await t.request('GET', `/v1/users?query=list.test&limit=100&order_by=${encodeURIComponent(orderBy)}`)).body as { first_name: string }[]).map((u) => u.first_name);
    expect(await order('+phone_number')).toEqual(['Zelda', 'Alan', 'Barbara', 'Edsger']);
    expect(await order('-phone_number')).toEqual(['Alan', 'Zelda', 'Edsger', 'Barbara']);
  });

  it('filters by creation time and ban status, and counts agree with lists', async () => {
    const created = (await t.clerk.users.getUser(ids[2]!)).createdAt;
    const after = await t.clerk.users.getUserList({ createdAtAfter: created - 1, query: 'list.test', limit: 100 });
    expect(after.data.map((u) => u.id)).toContain(ids[2]);
    const before = await t.clerk.users.getUserList({ createdAtBefore: created, query: 'list.test', limit: 100 });
    expect(before.data.map((u) => u.id)).not.toContain(ids[2]);
    await t.clerk.users.banUser(ids[3]!);
    const banned = await t.request('GET', '/v1/users?banned=true&query=list.test');
    expect((banned.body as { id: string }[]).map((u) => u.id)).toEqual([ids[3]]);
    const count = await t.request('GET', '/v1/users/count?banned=false&query=list.test');
    expect(count.body).toEqual({ object: 'total_count', total_count: 3 });
  });

  it('paginates with starting_after over created_at order only', async () => {
    const first = await t.request('GET', `/v1/users?query=list.test&limit=2&order_by=-created_at`);
    const lastId = (first.body as { id: string }[])[1]!.id;
    const next = await t.request('GET', `/v1/users?query=list.test&limit=2&starting_after=${lastId}`);
    expect((next.body as { id: string }[]).map((u) => u.id)).toEqual([ids[1], ids[0]]);
    const wrongOrder = await t.request('GET', `/v1/users?order_by=first_name&starting_after=${lastId}`);
    expect(wrongOrder.status).toBe(422);
  });

  it('rejects an out-of-range limit with the parameter named', async () => {
    const r = await t.request('GET', '/v1/users?limit=501');
    expect(r.status).toBe(422);
    expect((r.body as { errors: { meta: { param_name: string } }[] }).errors[0]?.meta.param_name).toBe('limit');
  });
});

describe('email addresses and phone numbers through @clerk/backend', () => {
  it('adds, verifies, promotes and deletes an email address', async () => {
    const user = await t.clerk.users.createUser({ emailAddress: ['owner@idn.test'] });
    const added = await t.clerk.emailAddresses.createEmailAddress({ userId: user.id, emailAddress: 'Extra@IDN.test', verified: false });
    expect(added.emailAddress).toBe('extra@idn.test');
    expect(added.verification).toBeNull();
    await expectClerkError(t.clerk.emailAddresses.updateEmailAddress(added.id, { primary: true }), 422, 'form_param_value_invalid', 'primary');
    const verified = await t.clerk.emailAddresses.updateEmailAddress(added.id, { verified: true, primary: true });
    expect(verified.verification?.status).toBe('verified');
    expect((await t.clerk.users.getUser(user.id)).primaryEmailAddressId).toBe(added.id);
    expect((await t.clerk.emailAddresses.getEmailAddress(added.id)).id).toBe(added.id);
    expect((await t.clerk.users.getUserList({ query: 'extra@idn' })).data.map((u) => u.id)).toEqual([user.id]);
    const deleted = await t.clerk.emailAddresses.deleteEmailAddress(added.id);
    expect(deleted).toMatchObject({ id: added.id, deleted: true });
    const after = await t.clerk.users.getUser(user.id);
    expect(after.primaryEmailAddressId).toBe(user.emailAddresses[0]?.id);
    expect(after.emailAddresses).toHaveLength(1);
    await expectClerkError(t.clerk.emailAddresses.getEmailAddress(added.id), 404, 'resource_not_found');
    await expectClerkError(t.clerk.emailAddresses.createEmailAddress({ userId: user.id, emailAddress: 'ada@analytical.engine' }), 422, 'form_identifier_exists', 'email_address');
  });

  it('adds, updates and deletes a phone number', async () => {
    const user = await t.clerk.users.createUser({ emailAddress: ['phoneowner@idn.test'] });
    const phone = await t.clerk.phoneNumbers.createPhoneNumber({ userId: user.id, phoneNumber: '+33 1 42 68 53 00', verified: true, primary: true });
    expect(phone.phoneNumber).toBe('+33142685300');
    expect((await t.clerk.users.getUser(user.id)).primaryPhoneNumberId).toBe(phone.id);
    const updated = await t.clerk.phoneNumbers.updatePhoneNumber(phone.id, { reservedForSecondFactor: true });
    expect(updated.reservedForSecondFactor).toBe(true);
    expect((await t.clerk.phoneNumbers.getPhoneNumber(phone.id)).id).toBe(phone.id);
    await t.clerk.phoneNumbers.deletePhoneNumber(phone.id);
    expect((await t.clerk.users.getUser(user.id)).primaryPhoneNumberId).toBeNull();
  });
});

describe('spec conformance of every reply above', () => {
  it('sets and removes a profile image through the SDK: the type is read from the bytes, and the user shows the default picture without one', async () => {
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
    const user = await t.clerk.users.createUser({ emailAddress: ['pictured@idn.test'], skipPasswordRequirement: true });
    expect(user.hasImage).toBe(false);
    expect((await fetch(user.imageUrl)).headers.get('content-type')).toBe('image/svg+xml');
    const pictured = await t.clerk.users.updateUserProfileImage(user.id, { file: new Blob([png], { type: 'image/png' }) });
    expect(pictured.hasImage).toBe(true);
    const served = await fetch(pictured.imageUrl);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(png);
    // Declared an image, but not one: refused whatever the part's type says.
    await expectClerkError(t.clerk.users.updateUserProfileImage(user.id, { file: new Blob(['<svg onload="alert(1)"/>'], { type: 'image/png' }) }), 422, 'form_param_format_invalid');
    const plain = await t.clerk.users.deleteUserProfileImage(user.id);
    expect(plain.hasImage).toBe(false);
    expect((await fetch(pictured.imageUrl)).status).toBe(404);
  });

  it('matched the Clerk Backend API spec', () => {
    expect(spec.failures).toEqual([]);
    expect(spec.checked).toBeGreaterThan(80);
  });
});
