import { generateAuthenticationOptions, verifyAuthenticationResponse } from '@simplewebauthn/server';
import { constantTimeEqual, hashSecret } from '../../crypto/tokens.js';
import { GatehouseError } from '../../errors.js';
import { findPasskeyByCredential, type PasskeyRow } from '../../store/repositories/passkey-repository.js';
import type { DomainContext } from '../context.js';
import { checkUnderLockout, type LockoutPass } from '../users/lockout.js';
import type { AssertionCredential } from './credential-json.js';
import { storedTransports, userHandleOf } from './passkeys.js';
import { relyingParty } from './relying-party.js';

/** A sign-in page may wait a long while for the browser's autofill before the person picks a passkey. */
export const ASSERTION_LIFETIME_MS = 30 * 60 * 1000;

/** Request options for any of this relying party's discoverable credentials: the authenticator names the account. */
export async function passkeyRequestOptions(ctx: DomainContext): Promise<{ challenge: string; json: string }> {
  const options = await generateAuthenticationOptions({ rpID: relyingParty(ctx).id, allowCredentials: [], userVerification: 'required', timeout: 5 * 60 * 1000 });
  return { challenge: options.challenge, json: JSON.stringify(options) };
}

function invalid(): GatehouseError {
  return new GatehouseError('passkey_invalid', { meta: { param_name: 'public_key_credential' } });
}

/** The registered passkey an assertion names, and only if the user handle it carries (if any) is its owner's. */
export async function assertedPasskey(ctx: DomainContext, credential: AssertionCredential): Promise<PasskeyRow> {
  const passkey = await findPasskeyByCredential(ctx.store.db, credential.id);
  if (!passkey || passkey.public_key === null || passkey.credential_id === null) throw invalid();
  const handle = credential.response.userHandle;
  if (handle && !constantTimeEqual(handle, Buffer.from(userHandleOf(passkey.user_id)).toString('base64url'))) throw invalid();
  return passkey;
}

/**
 * Checks an assertion as one attempt under its owner's lockout: signed by the passkey's key over
 * this challenge, from an allowed origin, for this relying party, with the user verified, and a
 * sign counter that moved forward (a cloned authenticator shows an old one). Resolves with the
 * new counter.
 */
export async function checkPasskeyAssertion(
  ctx: DomainContext,
  passkey: PasskeyRow,
  credential: AssertionCredential,
  challengeHash: string,
): Promise<LockoutPass<number>> {
  const rp = relyingParty(ctx);
  const publicKey = passkey.public_key;
  const credentialId = passkey.credential_id;
  if (publicKey === null || credentialId === null) throw invalid();
  return checkUnderLockout(
    ctx,
    passkey.user_id,
    async () => {
      const result = await verifyAuthenticationResponse({
        response: { ...credential, response: { ...credential.response, userHandle: credential.response.userHandle ?? undefined }, clientExtensionResults: {} },
        expectedChallenge: (challenge) => constantTimeEqual(hashSecret(challenge), challengeHash),
        expectedOrigin: rp.origins,
        expectedRPID: rp.id,
        credential: { id: credentialId, publicKey: new Uint8Array(Buffer.from(publicKey, 'base64url')), counter: passkey.sign_count, transports: storedTransports(passkey) },
        requireUserVerification: true,
      }).catch(() => undefined);
      return result?.verified ? result.authenticationInfo.newCounter : false;
    },
    invalid,
    { provisional: true },
  );
}
