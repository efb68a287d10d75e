import { GatehouseError } from '../../../errors.js';
import { upgradePasswordDigest } from '../../../store/repositories/user-repository.js';
import { checkUnderLockout } from '../../users/lockout.js';
import { checkPasswordInputSize } from '../../passwords/password-policy.js';
import { checkStoredPassword } from '../../users/password-credential.js';
import { recordVerified } from '../../verifications/verifications.js';
import type { FirstFactorStrategy } from './index.js';

/**
 * The user's password, checked as one attempt under the lockout; a weaker stored hash is upgraded.
 * A password the operator marked compromised (`set_compromised`) no longer signs in: the person is
 * told to reset it (`form_password_compromised`, which `<SignIn/>` answers with the reset flow).
 */
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
    // Only the right password learns that it must be replaced: a guesser reads "incorrect" as ever.
    if (user.row.password_compromised_at !== null) {
      await pass.settle(ctx.store.db);
      throw new GatehouseError('form_password_compromised', { meta: { param_name: 'password' } });
    }
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
