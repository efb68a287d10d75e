import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { removeBackupCodes } from '../../domain/mfa/backup-codes.js';
import { removeTotp } from '../../domain/mfa/totp.js';
import { readMfaState, resetUserMfa, verifySecondFactorCode, type MfaState } from '../../domain/mfa/user-mfa.js';
import { deletePasskey } from '../../domain/passkeys/passkeys.js';
import { serializeDeleted } from '../../wire/deleted.js';
import { notFound } from '../../errors.js';
import { parseInput } from '../validation.js';

const userIdParams = z.object({ user_id: z.string().min(1).max(128) });
const passkeyParams = z.object({ user_id: z.string().min(1).max(128), passkey_id: z.string().min(1).max(128) });
const verifyCodeBody = z.object({ code: z.string().min(1).max(64) });

/** Gatehouse's own `GET /v1/users/{id}/mfa`: what Clerk shows on the user, plus how many backup codes are left. */
function serializeMfaState(state: MfaState) {
  return {
    object: 'user_mfa',
    user_id: state.userId,
    two_factor_enabled: state.twoFactorEnabled,
    totp_enabled: state.totpEnabled,
    backup_code_enabled: state.backupCodeEnabled,
    backup_codes_remaining: state.backupCodesRemaining,
    mfa_enabled_at: state.mfaEnabledAt,
    mfa_disabled_at: state.mfaDisabledAt,
  };
}

/** A user's second factors and passkeys from the server side: check a code, and remove factors for someone who lost them. */
export function registerUserFactorRoutes(app: FastifyInstance, ctx: DomainContext): void {
  app.post('/users/:user_id/verify_totp', async (request) => {
    const { user_id } = parseInput(userIdParams, request.params);
    const { code } = parseInput(verifyCodeBody, request.body);
    return { verified: true, code_type: await verifySecondFactorCode(ctx, user_id, code) };
  });

  app.get('/users/:user_id/mfa', async (request) => {
    const { user_id } = parseInput(userIdParams, request.params);
    return serializeMfaState(await readMfaState(ctx, user_id));
  });

  app.delete('/users/:user_id/mfa', async (request) => {
    const { user_id } = parseInput(userIdParams, request.params);
    await resetUserMfa(ctx, user_id);
    return { user_id };
  });

  app.delete('/users/:user_id/totp', async (request) => {
    const { user_id } = parseInput(userIdParams, request.params);
    await removeTotp(ctx, user_id);
    return { user_id };
  });

  app.delete('/users/:user_id/passkeys/:passkey_id', async (request) => {
    const { user_id, passkey_id } = parseInput(passkeyParams, request.params);
    await deletePasskey(ctx, user_id, passkey_id);
    return serializeDeleted({ object: 'passkey', id: passkey_id, deleted: true });
  });

  app.delete('/users/:user_id/backup_code', async (request) => {
    const { user_id } = parseInput(userIdParams, request.params);
    if (!(await removeBackupCodes(ctx, user_id))) throw notFound();
    return { user_id };
  });
}
