import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { addRestriction, listRestrictions, removeRestriction, updateRestrictions } from '../../domain/restrictions/restrictions.js';
import { serializeDeleted } from '../../wire/deleted.js';
import { serializeIdentifier, serializeRestrictions } from '../../wire/restrictions.js';
import { parseInput } from '../validation.js';

const identifierBody = z.object({ identifier: z.string().min(1).max(320), notify: z.boolean().optional() });
const identifierParams = z.object({ identifier_id: z.string().min(1).max(128) });
const restrictionsBody = z.object({
  allowlist: z.boolean().nullish(),
  blocklist: z.boolean().nullish(),
  allowlist_blocklist_disabled_on_sign_in: z.boolean().nullish(),
  block_email_subaddresses: z.boolean().nullish(),
  block_disposable_email_domains: z.boolean().nullish(),
});

/** Clerk's restrictions: `/allowlist_identifiers`, `/blocklist_identifiers`, `/instance/restrictions`. */
export function registerRestrictionRoutes(app: FastifyInstance, ctx: DomainContext): void {
  app.get('/allowlist_identifiers', async () => (await listRestrictions(ctx, 'allowlist')).map(serializeIdentifier));

  app.post('/allowlist_identifiers', async (request) => {
    const { identifier } = parseInput(identifierBody, request.body);
    return serializeIdentifier(await addRestriction(ctx, 'allowlist', identifier));
  });

  app.delete('/allowlist_identifiers/:identifier_id', async (request) => {
    const { identifier_id } = parseInput(identifierParams, request.params);
    await removeRestriction(ctx, 'allowlist', identifier_id);
    return serializeDeleted({ object: 'allowlist_identifier', id: identifier_id, deleted: true });
  });

  app.get('/blocklist_identifiers', async () => {
    const data = (await listRestrictions(ctx, 'blocklist')).map(serializeIdentifier);
    return { data, total_count: data.length };
  });

  app.post('/blocklist_identifiers', async (request) => {
    const { identifier } = parseInput(identifierBody.omit({ notify: true }), request.body);
    return serializeIdentifier(await addRestriction(ctx, 'blocklist', identifier));
  });

  app.delete('/blocklist_identifiers/:identifier_id', async (request) => {
    const { identifier_id } = parseInput(identifierParams, request.params);
    await removeRestriction(ctx, 'blocklist', identifier_id);
    return serializeDeleted({ object: 'blocklist_identifier', id: identifier_id, deleted: true });
  });

  app.patch('/instance/restrictions', async (request) => {
    const b = parseInput(restrictionsBody, request.body ?? {});
    const given = Object.fromEntries(Object.entries(b).filter(([, v]) => v !== null && v !== undefined));
    return serializeRestrictions(await updateRestrictions(ctx, given));
  });
}
