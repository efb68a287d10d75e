/** What the tokens bench mints for: a user, an organization they created and a session with it active. */
import { verifyToken } from '@clerk/backend';
import type { RunningServer } from '../../../packages/server/src/server.js';

export interface Fixture {
  sessionId: string;
  organizationId: string;
  /** A token minted by the server, long-lived enough to outlast the bench. */
  jwt: string;
}

/** A Backend API call that must answer 200 with a JSON object. */
export async function bapi(server: RunningServer, secret: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** A user, an organization they created (so they are org:admin) and a session with it active. */
export async function createFixture(server: RunningServer, secret: string): Promise<Fixture> {
  const user = await bapi(server, secret, 'POST', '/v1/users', { email_address: ['bench.tokens@bench.example.com'] });
  const org = await bapi(server, secret, 'POST', '/v1/organizations', { name: 'Bench Tokens', slug: 'bench-tokens', created_by: user['id'] });
  const session = await bapi(server, secret, 'POST', '/v1/sessions', { user_id: user['id'], active_organization_id: org['id'] });
  const sessionId = String(session['id']);
  const { jwt } = (await bapi(server, secret, 'POST', `/v1/sessions/${sessionId}/tokens`, { expires_in_seconds: 3600 })) as { jwt: string };
  // A fast wrong answer is not a result: the token must verify and carry the organization.
  const claims = await verifyToken(jwt, { secretKey: secret, apiUrl: server.url });
  const o = claims['o'] as { id?: string; rol?: string } | undefined;
  if (claims.sid !== sessionId || o?.id !== org['id'] || o?.rol !== 'admin') throw new Error(`preflight: unexpected claims ${JSON.stringify(claims)}`);
  return { sessionId, organizationId: String(org['id']), jwt };
}
