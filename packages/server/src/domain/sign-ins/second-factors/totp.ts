import { checkTotpCode } from '../../mfa/totp.js';
import { recordVerified } from '../../verifications/verifications.js';
import type { SecondFactorStrategy } from './index.js';

/** A code from the user's authenticator app, good once. */
export const totpStrategy: SecondFactorStrategy = {
  offers: ({ user }) => user.row.totp_enabled === 1,

  async attempt(ctx, { signIn, user }, input) {
    // The sign-in writes its outcome, success or failure, in a synced transaction.
    const pass = await checkTotpCode(ctx, user.row.id, input.code ?? '', { provisional: true });
    return {
      async record(trx, now) {
        await pass.settle(trx);
        return recordVerified(trx, { clientId: signIn.client_id, strategy: 'totp' }, now);
      },
    };
  },
};
