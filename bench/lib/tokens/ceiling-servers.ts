/**
 * Token servers that do only part of Gatehouse's work, for the tokens bench to measure what this
 * machine allows before any of Gatehouse's own code runs. Each answers every POST with a freshly
 * signed RS256 token in the reply shape of `POST /v1/sessions/{id}/tokens`.
 */
import { createHash, randomBytes, sign, timingSafeEqual, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import type { JWTPayload } from 'jose';

const signOnThreadPool = promisify(sign);

export interface CeilingServer {
  url: string;
  close(): Promise<void>;
}

function freshClaims(claims: JWTPayload): JWTPayload {
  const iat = Math.floor(Date.now() / 1000);
  return { ...claims, jti: randomBytes(10).toString('hex'), iat, nbf: iat - 5, exp: iat + 60 };
}

/**
 * node:http and node:crypto only: read the request, sign fresh claims on the thread pool, reply.
 * No routing, no authentication, no store: the most any Node server can mint here.
 */
export async function startBareSigner(key: KeyObject, header: Record<string, string>, claims: JWTPayload): Promise<CeilingServer> {
  const encodedHeader = Buffer.from(JSON.stringify(header)).toString('base64url');
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const input = `${encodedHeader}.${Buffer.from(JSON.stringify(freshClaims(claims))).toString('base64url')}`;
      signOnThreadPool('sha256', Buffer.from(input), key).then(
        (signature) => {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ object: 'token', jwt: `${input}.${signature.toString('base64url')}` }));
        },
        () => {
          response.writeHead(500).end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The framework Gatehouse is built on, with none of its domain: Fastify, a bearer-key check
 * (SHA-256 and a constant-time compare, as Gatehouse checks secret keys), and `signToken`, which
 * the bench points at Gatehouse's own signing. No store is read.
 */
export async function startFrameworkSigner(secretKey: string, claims: JWTPayload, signToken: (claims: JWTPayload) => Promise<string>): Promise<CeilingServer> {
  const expected = createHash('sha256').update(secretKey).digest();
  const app = Fastify({ logger: false });
  app.addHook('onRequest', async (request, reply) => {
    const presented = createHash('sha256')
      .update((request.headers.authorization ?? '').replace(/^Bearer /, ''))
      .digest();
    if (!timingSafeEqual(presented, expected)) await reply.code(401).send({ errors: [{ code: 'authentication_invalid' }] });
  });
  app.post('/*', async () => ({ object: 'token', jwt: await signToken(freshClaims(claims)) }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}
