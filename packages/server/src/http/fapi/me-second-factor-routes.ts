import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { regenerateBackupCodes } from '../../domain/mfa/backup-codes.js';
import { confirmTotpEnrollment, removeTotp, startTotpEnrollment } from '../../domain/mfa/totp.js';
import { serializeFapiDeleted } from '../../wire/fapi/client.js';
import { serializeBackupCodes, serializeTotp } from '../../wire/fapi/second-factors.js';
import { requireRecentVerification } from '../../domain/sessions/reverification.js';
import { parseInput } from '../validation.js';
import { withClient } from './client-identity.js';
import { text } from './route-support.js';
import { signedInActor } from './signed-in-actor.js';
import type { FapiRouter } from './transport.js';

const codeBody = z.object({ code: text(64) });
/** The signed-in person's second factors: an authenticator app and backup codes. */
export function registerMeSecondFactorRoutes(r: FapiRouter, ctx: DomainContext): void {
  r.route('POST', '/me/totp', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    return withClient(ctx, request, reply, me.clientId, serializeTotp(await startTotpEnrollment(ctx, me.userId)));
  });

  r.route('POST', '/me/totp/attempt_verification', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    const { code } = parseInput(codeBody, request.body ?? {});
    return withClient(ctx, request, reply, me.clientId, serializeTotp(await confirmTotpEnrollment(ctx, me.userId, code, { sessionId: me.sessionId })));
  });

  r.route('DELETE', '/me/totp', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    await requireRecentVerification(ctx, me);
    const id = await removeTotp(ctx, me.userId);
    return withClient(ctx, request, reply, me.clientId, serializeFapiDeleted({ object: 'totp', id, deleted: true }));
  });

  r.route('POST', '/me/backup_codes', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    await requireRecentVerification(ctx, me);
    return withClient(ctx, request, reply, me.clientId, serializeBackupCodes(await regenerateBackupCodes(ctx, me.userId)));
  });
}
