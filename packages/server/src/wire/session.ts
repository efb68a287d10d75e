import type { Client } from '../domain/sessions/clients.js';
import type { Session } from '../domain/sessions/sessions.js';

/** Clerk's JSON shapes for sessions and clients (OAS `Session`, `Client`). */

export function serializeSession(session: Session) {
  return {
    object: 'session',
    id: session.id,
    user_id: session.userId,
    client_id: session.clientId,
    actor: session.actor,
    status: session.status,
    last_active_organization_id: session.lastActiveOrganizationId,
    last_active_at: session.lastActiveAt,
    expire_at: session.expireAt,
    abandon_at: session.abandonAt,
    updated_at: session.updatedAt,
    created_at: session.createdAt,
  };
}

export function serializeClient(client: Client) {
  return {
    object: 'client',
    id: client.id,
    session_ids: client.sessions.map((s) => s.id),
    sessions: client.sessions.map(serializeSession),
    sign_in_id: null,
    sign_up_id: null,
    last_active_session_id: client.lastActiveSessionId,
    last_authentication_strategy: null,
    updated_at: client.updatedAt,
    created_at: client.createdAt,
  };
}
