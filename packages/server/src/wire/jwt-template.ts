import type { JwtTemplate } from '../domain/sessions/jwt-templates.js';

/** Clerk's JSON shape for a JWT template (OAS `JWTTemplate`). Only the instance key signs. */
export function serializeJwtTemplate(template: JwtTemplate) {
  return {
    object: 'jwt_template',
    id: template.id,
    name: template.name,
    claims: template.claims,
    lifetime: template.lifetime,
    allowed_clock_skew: template.allowedClockSkew,
    custom_signing_key: false,
    signing_algorithm: template.signingAlgorithm,
    created_at: template.createdAt,
    updated_at: template.updatedAt,
  };
}

/** The reply of `POST /sessions/{id}/tokens/{template_name}`. */
export function serializeToken(jwt: string) {
  return { object: 'token', jwt };
}
