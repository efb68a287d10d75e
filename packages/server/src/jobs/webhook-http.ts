import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, isPrivateAddress, UnsafeTargetError } from '../domain/webhooks/url-guard.js';

export interface PostResult {
  statusCode: number | null;
  latencyMs: number;
  /** Short machine-readable reason when no 2xx came back; never includes the body or headers sent. */
  error: string | null;
}

/** Reply bodies are read only to free the socket; more than this is cut off. */
const MAX_REPLY_BYTES = 64 * 1024;

/**
 * POSTs one webhook. node:http rather than fetch so the SSRF rule runs inside the connection's
 * own DNS lookup (no gap between check and connect for a rebinding resolver to use), and because
 * it never follows redirects: a 3xx is simply a non-2xx answer.
 */
export function postWebhook(url: URL, headers: Record<string, string>, body: string, options: { timeoutMs: number; allowPrivate: boolean; signal: AbortSignal }): Promise<PostResult> {
  const started = performance.now();
  const done = (statusCode: number | null, error: string | null): PostResult => ({ statusCode, latencyMs: Math.round(performance.now() - started), error });
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  // IP-literal hosts never reach the lookup hook, so they are judged here.
  if (!options.allowPrivate && isIP(host) && isPrivateAddress(host)) return Promise.resolve(done(null, 'unsafe_target'));
  const signal = AbortSignal.any([AbortSignal.timeout(options.timeoutMs), options.signal]);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: PostResult) => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    const request = transport.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(options.allowPrivate),
        agent: false,
        signal,
      },
      (response) => {
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > MAX_REPLY_BYTES) response.destroy();
        });
        const status = response.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        const settle = () => finish(done(status, ok ? null : `http_${status}`));
        response.on('end', settle);
        response.on('close', settle);
        response.on('error', settle);
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof UnsafeTargetError) return finish(done(null, 'unsafe_target'));
      if (signal.aborted) return finish(done(null, options.signal.aborted ? 'aborted' : 'timeout'));
      finish(done(null, (error.code ?? error.message).slice(0, 200)));
    });
    request.end(body);
  });
}
