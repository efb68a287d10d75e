import { GatehouseError } from '../../../errors.js';
import { upgradePasswordDigest } from '../../../store/repositories/user-repository.js';
import { checkUnderLockout } from '../../users/lockout.js';
import { checkPasswordInputSize } from '../../passwords/password-policy.js';
import { checkStoredPassword } from '../../users/password-credential.js';
import { recordVerified } from '../../verifications/verifications.js';
import type { FirstFactorStrategy } from './index.js';

/** The user's password, checked as one attempt under the lockout; a weaker stored hash is upgraded. */
export const passwordStrategy: FirstFactorStrategy = {
  offers({ user, settings }) {
    return settings.password.enabled && user.row.password_digest !== null ? [{ strategy: 'password' }] : [];
  },

  async attempt(ctx, { signIn, user }, input) {
    const { password_digest: digest, password_hasher: hasher } = user.row;
    const password = input.password ?? '';
    checkPasswordInputSize(password);
    if (digest === null || hasher === null) throw new GatehouseError('strategy_for_user_invalid', { meta: { param_name: 'strategy' } });
    const pass = await checkUnderLockout(
      ctx,
      user.row.id,
      async () => {
        const result = await checkStoredPassword({ digest, hasher }, password);
        return result.matches ? result : false;
      },
      () => new GatehouseError('form_password_incorrect', { meta: { param_name: 'password' } }),
      // The sign-in writes its outcome, success or failure, in a synced transaction.
      { provisional: true },
    );
    const { upgrade } = pass.value;
    return {
      async record(trx, now) {
        await pass.settle(trx);
        if (upgrade) await upgradePasswordDigest(trx, user.row.id, digest, upgrade);
        return recordVerified(trx, { clientId: signIn.client_id, strategy: 'password' }, now);
      },
    };
  },
};
