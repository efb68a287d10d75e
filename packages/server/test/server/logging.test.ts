import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const lines: string[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({}, { logger: createLogger('trace', capture) });
});
afterAll(async () => t?.close());

describe('structured logs', () => {
  it('carry a request id on request lines and never a secret key, password or email address', async () => {
    const password = 'quartz owls whisper nightly';
    const user = await t.clerk.users.createUser({ emailAddress: ['logged.person@example.com'], password, phoneNumber: ['+14155550123'] });
    await t.clerk.users.verifyPassword({ userId: user.id, password });
    await t.clerk.users.verifyPassword({ userId: user.id, password: 'wrong guess entirely' }).catch(() => undefined);
    await t.clerk.users.getUserList({ emailAddress: ['logged.person@example.com'], phoneNumber: ['+14155550123'] });
    await t.request('POST', '/v1/users', { rawBody: `{"password":"${password}"`, headers: { 'content-type': 'application/json' } });
    await fetch(`${t.url}/v1/users?token=${t.secretKey}`);

    expect(lines.length).toBeGreaterThan(10);
    const all = lines.join('\n');
    for (const secret of [t.secretKey, password, 'wrong guess entirely', 'logged.person@example.com', 'logged.person%40example.com', '14155550123']) {
      expect(all).not.toContain(secret);
    }
    const parsed = lines.map((l) => JSON.parse(l) as { reqId?: string; req?: { path?: string } });
    const requestLines = parsed.filter((l) => l.req);
    expect(requestLines.length).toBeGreaterThan(5);
    for (const line of requestLines) expect(line.reqId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
