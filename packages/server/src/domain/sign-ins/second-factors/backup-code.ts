import { checkBackupCode } from '../../mfa/backup-codes.js';
import { recordVerified } from '../../verifications/verifications.js';
import type { SecondFactorStrategy } from './index.js';

/** One of the user's backup codes, used up by the attempt that brings it. */
export const backupCodeStrategy: SecondFactorStrategy = {
  offers: ({ user }) => user.row.backup_code_enabled === 1,

  async attempt(ctx, { signIn, user }, input) {
    const pass = await checkBackupCode(ctx, user.row.id, input.code ?? '', { provisional: true });
    return {
      async record(trx, now) {
        await pass.settle(trx);
        return recordVerified(trx, { clientId: signIn.client_id, strategy: 'backup_code' }, now);
      },
    };
  },
};
