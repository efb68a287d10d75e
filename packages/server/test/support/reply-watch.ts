import { ServerResponse } from 'node:http';
import { afterEach, expect } from 'vitest';
import { fapiSpecFailure } from './fapi-client.js';
import { canaryInTokens, canaryLeak } from './leak-canary.js';

/**
 * Watches every HTTP reply any server in this test process sends — whoever asked: a test client,
 * plain `fetch`, Chromium, Clerk's SDKs — and fails the test that caused it when:
 * - a Frontend API reply or a hosted page (body, `Location`, `Set-Cookie`, or a token in any of
 *   them, tokens within tokens included) carries the private-metadata canary every test store
 *   plants on users and organizations (canary-planting.ts);
 * - a token in a Backend API reply carries it (the replies themselves rightly show private metadata);
 * - a Frontend API JSON reply to an operation in Clerk's FAPI spec does not match the spec.
 * Loaded for every test file by vitest.config.ts (`setupFiles`).
 */

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const findings: string[] = [];
const bodies = new WeakMap<ServerResponse, Buffer[]>();

/** Clerk's UI bundles and images are served as they were published: nothing of a user is in them. */
function skipped(path: string, contentType: string): boolean {
  return /\/npm\//.test(path) || /javascript|image\/|font\/|text\/css/.test(contentType);
}

function collect(res: ServerResponse, chunk: unknown, encoding: unknown): void {
  if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
  const list = bodies.get(res) ?? [];
  const size = list.reduce((n, b) => n + b.length, 0);
  if (size > MAX_BODY_BYTES) return;
  const buffer = Buffer.isBuffer(chunk) ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk) : Buffer.from(String(chunk), typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  list.push(buffer);
  bodies.set(res, list);
}

function inspect(res: ServerResponse): void {
  const request = res.req as { url?: string; method?: string } | undefined;
  if (!request?.url) return;
  const url = new URL(request.url, 'http://watch.invalid');
  const head = (res as unknown as { _header?: string | null })._header ?? '';
  const contentType = String(res.getHeader('content-type') ?? /^content-type:\s*(.*)$/im.exec(head)?.[1] ?? '');
  if (skipped(url.pathname, contentType)) return;
  const text = Buffer.concat(bodies.get(res) ?? []).toString('utf8');
  bodies.delete(res);
  const where = `${request.method ?? '?'} ${url.pathname} -> ${res.statusCode}`;
  if (url.pathname.startsWith('/v1/')) {
    const leak = canaryInTokens(text) ?? canaryInTokens(head);
    if (leak) findings.push(`${where} minted a token with private metadata: ${leak}`);
    return;
  }
  const leak = canaryLeak(text) ?? canaryLeak(decodeURIComponentSafe(head));
  if (leak) findings.push(`${where} leaked private metadata: ${leak}`);
  const at = url.pathname.indexOf('/fapi/v1/');
  if (at < 0 || !contentType.includes('application/json') || text === '') return;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    findings.push(`${where}: JSON reply that does not parse`);
    return;
  }
  // The Frontend API honours `_method` on POST only, as clerk-js sends it.
  const method = request.method === 'POST' ? (url.searchParams.get('_method') ?? 'POST') : (request.method ?? 'GET');
  const failure = fapiSpecFailure(method, url.pathname.slice(at + '/fapi'.length), res.statusCode, body);
  if (failure && !failure.endsWith('no operation in the FAPI spec')) findings.push(failure);
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

const originalWrite = ServerResponse.prototype.write;
const originalEnd = ServerResponse.prototype.end;

ServerResponse.prototype.write = function write(this: ServerResponse, chunk: unknown, ...rest: unknown[]): boolean {
  collect(this, chunk, rest[0]);
  return (originalWrite as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
} as typeof ServerResponse.prototype.write;

ServerResponse.prototype.end = function end(this: ServerResponse, ...args: unknown[]): ServerResponse {
  collect(this, args[0], args[1]);
  const result = (originalEnd as (...a: unknown[]) => ServerResponse).apply(this, args);
  try {
    inspect(this);
  } catch (error) {
    findings.push(`reply watch failed on ${String(this.req?.url)}: ${String(error)}`);
  }
  return result;
} as typeof ServerResponse.prototype.end;

/** What the watch found since the last call (a test of the watch itself reads and clears it). */
export function takeFindings(): string[] {
  return findings.splice(0, findings.length);
}

afterEach(() => {
  expect(takeFindings(), 'replies that leaked private metadata or broke Clerk\'s FAPI spec').toEqual([]);
});
