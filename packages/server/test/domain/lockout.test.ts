/**
 * The lockout: failed factor checks are counted atomically, the limit locks the user for the set
 * time, a success starts the count again, banned and locked users are never verified, and lock and
 * unlock are announced (audit and `user.updated`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatehouseError } from '../../src/errors.js';
import { verifyUnderLockout } from '../../src/domain/users/lockout.js';
import { domainContextFor } from '../../src/server.js';
import { expectClerkError } from '../support/clerk-errors.js';
import { expectReplyMatchesSpec } from '../support/clerk-spec.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const MAX_ATTEMPTS = 5;
const PASSWORD = 'violet lanterns drift at dawn';

let t: TestServer;
let seq = 0;

beforeAll(async () => {
  t = await startTestServer({ GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: String(MAX_ATTEMPTS), GATEHOUSE_LOCKOUT_DURATION_SECONDS: '600' });
});
afterAll(async () => t?.close());

async function newUser(): Promise<string> {
  seq += 1;
  return (await t.clerk.users.createUser({ emailAddress: [`locked${seq}@lockout.test`], password: PASSWORD })).id;
}

const verify = (userId: string, password: string) => t.request('POST', `/v1/users/${userId}/verify_password`, { body: { password } });
const codeOf = (reply: { body: unknown }) => (reply.body as { errors?: { code: string }[] }).errors?.[0]?.code;

async function readUser(userId: string): Promise<{ locked: boolean; lockout_expires_in_seconds: number | null; verification_attempts_remaining: number }> {
  const reply = await t.request('GET', `/v1/users/${userId}`);
  expectReplyMatchesSpec('GET', '/users/{user_id}', reply.status, reply.body);
  return reply.body as { locked: boolean; lockout_expires_in_seconds: number | null; verification_attempts_remaining: number };
}

async function eventTypes(userId: string): Promise<string[]> {
  const rows = await t.server.store.db.selectFrom('events').select('type').where('subject_user_id', '=', userId).orderBy('seq').execute();
  return rows.map((r) => r.type);
}

describe('the lockout on verify_password', () => {
  it('counts each wrong password down and locks at the limit', async () => {
    const userId = await newUser();
    for (let i = 1; i < MAX_ATTEMPTS; i++) {
      const reply = await verify(userId, 'not the password');
      expect([reply.status, codeOf(reply)]).toEqual([422, 'form_password_incorrect']);
      expectReplyMatchesSpec('POST', '/users/{user_id}/verify_password', reply.status, reply.body);
      expect((await readUser(userId)).verification_attempts_remaining).toBe(MAX_ATTEMPTS - i);
    }
    const last = await verify(userId, 'not the password');
    expect([last.status, codeOf(last)]).toEqual([403, 'user_locked']);
    const meta = (last.body as { errors: { meta: { lockout_expires_in_seconds: number } }[] }).errors[0]?.meta;
    expect(meta?.lockout_expires_in_seconds).toBeGreaterThan(590);
    const user = await readUser(userId);
    expect(user).toMatchObject({ locked: true, verification_attempts_remaining: 0 });
    expect(user.lockout_expires_in_seconds).toBeGreaterThan(590);
    expect(await eventTypes(userId)).toEqual(['user.created', 'user.locked', 'user.updated']);
  });

  it('never verifies a locked user, even with the right password', async () => {
    const userId = await newUser();
    for (let i = 0; i < MAX_ATTEMPTS; i++) await verify(userId, 'not the password');
    const reply = await verify(userId, PASSWORD);
    expect([reply.status, codeOf(reply)]).toEqual([403, 'user_locked']);
    expect(JSON.stringify(reply.body)).not.toContain('verified');
  });

  it('never verifies a banned user, and does not count the attempt', async () => {
    const userId = await newUser();
    await t.clerk.users.banUser(userId);
    await expectClerkError(t.clerk.users.verifyPassword({ userId, password: PASSWORD }), 403, 'user_banned');
    await expectClerkError(t.clerk.users.verifyPassword({ userId, password: 'wrong' }), 403, 'user_banned');
    expect((await readUser(userId)).verification_attempts_remaining).toBe(MAX_ATTEMPTS);
  });

  it('starts the count again after a success', async () => {
    const userId = await newUser();
    for (let i = 0; i < MAX_ATTEMPTS - 1; i++) await verify(userId, 'not the password');
    expect(await t.clerk.users.verifyPassword({ userId, password: PASSWORD })).toEqual({ verified: true });
    expect(await readUser(userId)).toMatchObject({ locked: false, verification_attempts_remaining: MAX_ATTEMPTS });
    for (let i = 0; i < MAX_ATTEMPTS - 1; i++) await verify(userId, 'not the password');
    expect((await readUser(userId)).locked).toBe(false);
  });

  it('lets POST /unlock lift the lock and reset the count, announced as user.unlocked', async () => {
    const userId = await newUser();
    for (let i = 0; i < MAX_ATTEMPTS; i++) await verify(userId, 'not the password');
    const unlocked = await t.clerk.users.unlockUser(userId);
    expect(unlocked.locked).toBe(false);
    expect(unlocked.raw?.verification_attempts_remaining).toBe(MAX_ATTEMPTS);
    expect(await t.clerk.users.verifyPassword({ userId, password: PASSWORD })).toEqual({ verified: true });
    expect((await eventTypes(userId)).slice(-4)).toEqual(['user.locked', 'user.updated', 'user.unlocked', 'user.updated']);
  });

  it('answers 50 parallel wrong passwords with exactly limit − 1 incorrect and the rest locked', async () => {
    const userId = await newUser();
    const replies = await Promise.all(Array.from({ length: 50 }, () => verify(userId, 'not the password')));
    const codes = replies.map(codeOf);
    expect(codes.filter((c) => c === 'form_password_incorrect')).toHaveLength(MAX_ATTEMPTS - 1);
    expect(codes.filter((c) => c === 'user_locked')).toHaveLength(50 - (MAX_ATTEMPTS - 1));
    expect(await readUser(userId)).toMatchObject({ locked: true, verification_attempts_remaining: 0 });
    expect((await eventTypes(userId)).filter((type) => type === 'user.locked')).toHaveLength(1);
  });
});

describe('verifyUnderLockout', () => {
  it('evaluates at most the limit of 50 parallel attempts', async () => {
    const userId = await newUser();
    const ctx = domainContextFor(t.config, t.server.store);
    let evaluated = 0;
    const wrongAnswer = async (): Promise<false> => {
      evaluated += 1;
      await new Promise((resolve) => setImmediate(resolve));
      return false;
    };
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => verifyUnderLockout(ctx, userId, wrongAnswer, () => new GatehouseError('form_password_incorrect', { meta: { param_name: 'password' } }))));
    expect(evaluated).toBe(MAX_ATTEMPTS);
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
  });

  it('lets a lock run out: after its time, the count starts afresh', async () => {
    const userId = await newUser();
    let clock = Date.now();
    const ctx = domainContextFor(t.config, t.server.store, { now: () => clock });
    const wrong = () => new GatehouseError('form_password_incorrect', { meta: { param_name: 'password' } });
    for (let i = 0; i < MAX_ATTEMPTS; i++) await verifyUnderLockout(ctx, userId, async () => false, wrong).catch(() => undefined);
    await expect(verifyUnderLockout(ctx, userId, async () => true, wrong)).rejects.toMatchObject({ code: 'user_locked' });
    clock += 601_000;
    await expect(verifyUnderLockout(ctx, userId, async () => false, wrong)).rejects.toMatchObject({ code: 'form_password_incorrect' });
    const row = await t.server.store.db.selectFrom('users').select(['failed_verification_attempts', 'locked_until']).where('id', '=', userId).executeTakeFirstOrThrow();
    expect(row).toEqual({ failed_verification_attempts: 1, locked_until: null });
    expect(await verifyUnderLockout(ctx, userId, async () => 'ok', wrong)).toBe('ok');
  });

  it('does not count an attempt refused before any secret was compared, and lifts the lock it set as the last one', async () => {
    const userId = await newUser();
    const ctx = domainContextFor(t.config, t.server.store);
    const wrong = () => new GatehouseError('form_code_incorrect', { meta: { param_name: 'code' } });
    const spent = () => new GatehouseError('verification_failed', { meta: { param_name: 'code' } });
    for (let i = 1; i < MAX_ATTEMPTS; i++) await verifyUnderLockout(ctx, userId, async () => false, wrong).catch(() => undefined);
    // The last attempt allowed finds its code already used: it locked the user while in flight, and must not leave them locked.
    await expect(verifyUnderLockout(ctx, userId, async () => Promise.reject(spent()), wrong)).rejects.toMatchObject({ code: 'verification_failed' });
    const row = await t.server.store.db.selectFrom('users').select(['failed_verification_attempts', 'locked_until']).where('id', '=', userId).executeTakeFirstOrThrow();
    expect(row).toEqual({ failed_verification_attempts: MAX_ATTEMPTS - 1, locked_until: null });
    expect(await verifyUnderLockout(ctx, userId, async () => 'ok', wrong)).toBe('ok');
    expect((await eventTypes(userId)).filter((type) => type === 'user.locked')).toHaveLength(0);
  });

  it('keeps a lock another attempt set when a concurrent one succeeds', async () => {
    const userId = await newUser();
    const ctx = domainContextFor(t.config, t.server.store);
    const wrong = () => new GatehouseError('form_password_incorrect', { meta: { param_name: 'password' } });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // The first attempt is admitted, then waits while the others use up every attempt left.
    let entered!: () => void;
    const admitted = new Promise<void>((resolve) => (entered = resolve));
    const slowSuccess = verifyUnderLockout(
      ctx,
      userId,
      async () => {
        entered();
        await held;
        return true;
      },
      wrong,
    );
    await admitted;
    for (let i = 1; i < MAX_ATTEMPTS; i++) await verifyUnderLockout(ctx, userId, async () => false, wrong).catch(() => undefined);
    release();
    expect(await slowSuccess).toBe(true);
    expect((await readUser(userId)).locked).toBe(true);
  });
});
