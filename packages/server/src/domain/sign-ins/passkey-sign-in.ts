import { GatehouseError, notFound, paramError } from '../../errors.js';
import { closeVerification, findVerificationRows, updateSignInRow } from '../../store/repositories/attempt-repository.js';
import { recordPasskeyUse } from '../../store/repositories/passkey-repository.js';
import { loadUserRecord } from '../../store/repositories/user-repository.js';
import type { DomainContext } from '../context.js';
import { parseAssertionCredential } from '../passkeys/credential-json.js';
import { ASSERTION_LIFETIME_MS, assertedPasskey, checkPasskeyAssertion, passkeyRequestOptions } from '../passkeys/passkey-authentication.js';
import { storeActingClient, type ActingClient } from '../sessions/acting-client.js';
import { readInstanceSettings, type InstanceSettings } from '../settings/instance-settings.js';
import { assertMayVerify } from '../users/lockout.js';
import { startChallengeVerification, toVerification } from '../verifications/verifications.js';
import { actOn, newSignInRow, storeSignIn, toSignIn, type ActingOn, type LoadedSignIn, type SignInOutcome } from './sign-in-flow.js';

/**
 * A sign-in by passkey, as `<SignIn/>` starts one for its button and for the browser's autofill:
 * nobody is named; the reply carries WebAuthn request options for any registered credential, and
 * the credential that answers them names the account.
 */
export async function createPasskeySignIn(ctx: DomainContext, client: ActingClient, settings: InstanceSettings): Promise<SignInOutcome> {
  if (!settings.passkey.enabled) throw paramError('form_param_value_invalid', 'strategy', 'Passkeys are not enabled on this instance.');
  const options = await passkeyRequestOptions(ctx);
  const now = ctx.now();
  const row = newSignInRow(client.id, { userId: null, identifier: null, emailAddressId: null }, now);
  const verification = await ctx.store.transaction(async (trx) => {
    await storeActingClient(trx, client);
    const started = await startChallengeVerification(trx, { clientId: client.id, strategy: 'passkey' }, options.challenge, ASSERTION_LIFETIME_MS, now);
    await storeSignIn(trx, { ...row, first_factor_verification_id: started.id });
    return started;
  });
  const stored = { ...row, first_factor_verification_id: verification.id };
  return { signIn: toSignIn(ctx, stored, undefined, settings, { first: { ...toVerification(verification, now), nonce: options.json }, second: null }, now) };
}

/**
 * The browser's answer to a passkey sign-in: the credential names its owner, and its assertion is
 * checked under their lockout; the challenge is good for one success.
 */
export async function attemptPasskeySignIn(ctx: DomainContext, loaded: LoadedSignIn, rawCredential: string | undefined): Promise<SignInOutcome> {
  const pending = loaded.signIn.firstFactorVerification;
  const settings = loaded.subject?.settings ?? (await readInstanceSettings(ctx));
  if (pending?.strategy !== 'passkey' || !settings.passkey.enabled) throw new GatehouseError('strategy_for_user_invalid', { meta: { param_name: 'strategy' } });
  if (pending.status === 'expired') throw new GatehouseError('verification_expired', { meta: { param_name: 'public_key_credential' } });
  if (pending.status !== 'unverified') throw new GatehouseError('verification_already_verified', { meta: { param_name: 'public_key_credential' } });
  const [stored] = await findVerificationRows(ctx.store.db, [pending.id]);
  const challengeHash = stored?.secret_hash;
  if (!stored || !challengeHash) throw new GatehouseError('verification_already_verified', { meta: { param_name: 'public_key_credential' } });
  const credential = parseAssertionCredential(rawCredential);
  const passkey = await assertedPasskey(ctx, credential);
  const user = await loadUserRecord(ctx.store.db, passkey.user_id);
  if (!user) throw notFound();
  const row = { ...loaded.row, user_id: user.row.id };
  const subject = { signIn: row, user, settings };
  const acting: ActingOn = { ...loaded, row, subject, signIn: toSignIn(ctx, row, user, settings, { first: pending, second: null }, ctx.now()) };
  return actOn(ctx, acting, { strategy: 'passkey' }, async () => {
    assertMayVerify(user.row, ctx.now());
    const pass = await checkPasskeyAssertion(ctx, passkey, credential, challengeHash);
    return {
      async record(trx, now) {
        await pass.settle(trx);
        await updateSignInRow(trx, loaded.row.id, { user_id: user.row.id, updated_at: now });
        // One success per challenge, and per counter value: a replay or a racing clone finds nothing to claim.
        if (!(await closeVerification(trx, stored.id, 'verified', now))) throw new GatehouseError('verification_already_verified', { meta: { param_name: 'public_key_credential' } });
        if (!(await recordPasskeyUse(trx, passkey.id, passkey.sign_count, pass.value, now))) throw new GatehouseError('passkey_invalid', { meta: { param_name: 'public_key_credential' } });
        return { ...stored, status: 'verified', verified_at: now, secret_hash: null, updated_at: now };
      },
    };
  });
}
