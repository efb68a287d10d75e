import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import {
  createJwtTemplate,
  deleteJwtTemplate,
  getJwtTemplate,
  listJwtTemplates,
  updateJwtTemplate,
  type JwtTemplateInput,
} from '../../domain/sessions/jwt-templates.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../../domain/sessions/signing-keys.js';
import { mintTemplateToken } from '../../domain/sessions/template-token.js';
import { metadataObject, normalizeQuery, parseInput, queryBoolean, queryInteger } from '../validation.js';
import { serializeJwtTemplate, serializeToken } from '../../wire/jwt-template.js';
import { serializeDeleted } from '../../wire/deleted.js';

/** `/jwt_templates` and the template token route; names, ranges and claims are domain rules. */

const templateParams = z.object({ template_id: z.string().min(1).max(128) });
const tokenParams = z.object({ session_id: z.string().min(1).max(128), template_name: z.string().min(1).max(256) });
const listQuery = z.object({ paginated: queryBoolean.optional(), limit: queryInteger(1, 500).optional(), offset: queryInteger(0, 1_000_000_000).optional() });

// Create and update take the same body: Clerk's spec requires name and claims on both.
const templateBody = z.object({
  name: z.string().max(1024),
  claims: metadataObject,
  lifetime: z.number().int().nullish(),
  allowed_clock_skew: z.number().int().nullish(),
  custom_signing_key: z.boolean().nullish(),
  signing_algorithm: z.string().max(64).nullish(),
  signing_key: z.string().max(16_384).nullish(),
});
const tokenBody = z.object({ expires_in_seconds: z.number().int().min(30).max(MAX_TOKEN_LIFETIME_SECONDS).nullish() });

function toInput(b: z.output<typeof templateBody>): JwtTemplateInput {
  return {
    name: b.name,
    claims: b.claims,
    ...(b.lifetime !== undefined ? { lifetime: b.lifetime } : {}),
    ...(b.allowed_clock_skew !== undefined ? { allowedClockSkew: b.allowed_clock_skew } : {}),
    customSigningKey: b.custom_signing_key ?? null,
    signingAlgorithm: b.signing_algorithm ?? null,
    signingKey: b.signing_key ?? null,
  };
}

/** Lists answer `{data,total_count}` with `paginated=true` (what the SDK sends), else a bare array. */
function page<T>(paginated: boolean | undefined, items: T[], totalCount: number) {
  return paginated ? { data: items, total_count: totalCount } : items;
}

export function registerJwtTemplateRoutes(app: FastifyInstance, ctx: DomainContext): void {
  app.get('/jwt_templates', async (request) => {
    const q = parseInput(listQuery, normalizeQuery(request.query));
    const { items, totalCount } = await listJwtTemplates(ctx, { limit: q.limit ?? 10, offset: q.offset ?? 0 });
    return page(q.paginated, items.map(serializeJwtTemplate), totalCount);
  });

  app.post('/jwt_templates', async (request) => {
    const b = parseInput(templateBody, request.body);
    return serializeJwtTemplate(await createJwtTemplate(ctx, toInput(b)));
  });

  app.get('/jwt_templates/:template_id', async (request) => {
    const { template_id } = parseInput(templateParams, request.params);
    return serializeJwtTemplate(await getJwtTemplate(ctx, template_id));
  });

  app.patch('/jwt_templates/:template_id', async (request) => {
    const { template_id } = parseInput(templateParams, request.params);
    const b = parseInput(templateBody, request.body);
    return serializeJwtTemplate(await updateJwtTemplate(ctx, template_id, toInput(b)));
  });

  app.delete('/jwt_templates/:template_id', async (request) => {
    const { template_id } = parseInput(templateParams, request.params);
    return serializeDeleted(await deleteJwtTemplate(ctx, template_id));
  });

  app.post('/sessions/:session_id/tokens/:template_name', async (request) => {
    const { session_id, template_name } = parseInput(tokenParams, request.params);
    const b = parseInput(tokenBody, request.body);
    const { jwt } = await mintTemplateToken(ctx, session_id, template_name, b.expires_in_seconds ? { expiresInSeconds: b.expires_in_seconds } : {});
    return serializeToken(jwt);
  });
}
