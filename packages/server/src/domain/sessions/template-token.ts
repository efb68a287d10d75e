import type { JWTPayload } from 'jose';
import { newTokenId } from '../../crypto/ids.js';
import { GatehouseError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import { readMembershipWithOrganization } from '../../store/repositories/membership-repository.js';
import type { DomainContext } from '../context.js';
import { parseStoredMetadata } from '../metadata.js';
import { imageUrlFor } from '../images.js';
import { loadRoleRefs } from '../organizations/role-keys.js';
import { getUser } from '../users/get-user.js';
import { findJwtTemplateByName } from './jwt-templates.js';
import { issuerFor, signClaims, type MintedToken } from './session-token.js';
import { effectiveStatus, findSessionRow, toSession, type SessionRow } from './sessions.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from './signing-keys.js';
import { renderClaims, shortcodeScope, type TemplateOrganization } from './template-claims.js';

/**
 * The session's active organization with everything shortcodes may read of it, or null when the
 * session has none or the user has since left it. Reads only; the session token's own refresh
 * is what clears a stale active organization.
 */
async function activeOrganizationForTemplate(ctx: DomainContext, db: Executor, session: SessionRow): Promise<TemplateOrganization | null> {
  if (!session.last_active_organization_id) return null;
  const row = await readMembershipWithOrganization(db, session.user_id, session.last_active_organization_id);
  if (!row) return null;
  const role = (await loadRoleRefs(db, [row.role_id])).get(row.role_id);
  if (!role) return null;
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    imageUrl: row.image_id ? imageUrlFor(ctx, row.image_id) : null,
    publicMetadata: parseStoredMetadata(row.public_metadata),
    roleKey: role.key,
    permissions: role.permissions,
    membershipPublicMetadata: parseStoredMetadata(row.membership_public_metadata),
  };
}

/**
 * A token shaped by a JWT template (`POST /v1/sessions/{id}/tokens/{template_name}`). Refused like
 * the session token: the session must be active and its user not banned. Clerk's default claims
 * for template tokens are `iss`, `sub`, `jti`, `iat`, `nbf`, `exp` and, from a browser, `azp`;
 * `sid` is left out because a template token is not bound to the session (Clerk's
 * jwt-templates guide, "Default claims"). Lifetime and `nbf` skew come from the template.
 */
export async function mintTemplateToken(
  ctx: DomainContext,
  sessionId: string,
  templateName: string,
  options: { expiresInSeconds?: number; origin?: string } = {},
): Promise<MintedToken> {
  const db = ctx.store.db;
  const now = ctx.now();
  const session = await findSessionRow(db, sessionId);
  const status = effectiveStatus(session, now);
  if (status !== 'active') throw new GatehouseError('session_not_active', { meta: { status } });
  const template = await findJwtTemplateByName(db, templateName);
  const user = await getUser(ctx, session.user_id);
  if (user.banned) throw new GatehouseError('session_not_active', { meta: { status: 'revoked' } });

  const organization = await activeOrganizationForTemplate(ctx, db, session);
  const rendered = renderClaims(template.claims, shortcodeScope({ user, organization, actor: toSession(session, now).actor }));
  // Server claims last: a template cannot set them (checked on save), and never wins if one did.
  const claims: JWTPayload = {
    ...rendered,
    iss: issuerFor(ctx),
    sub: user.id,
    jti: newTokenId(),
    ...(options.origin ? { azp: options.origin } : {}),
  };
  const lifetime = Math.min(options.expiresInSeconds ?? template.lifetime, MAX_TOKEN_LIFETIME_SECONDS);
  return signClaims(ctx, claims, lifetime, template.allowedClockSkew);
}
