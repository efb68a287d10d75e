import { hashPassword, isWellFormedDigest, needsRehash, verifyPassword, type PasswordHasher } from '../../crypto/password/index.js';
import { GatehouseError, paramError } from '../../errors.js';
import { checkPassword, normalizePassword, type PasswordContext } from '../passwords/password-policy.js';
import type { DomainContext } from '../context.js';

/**
 * How a user's password is stored: `gatehouse` marks our own argon2id hash of the NFKC-normalized
 * password; any other value is a digest imported from another system, verified as that system
 * hashed it (the raw password) and replaced by our own hash on the first successful check.
 */
export const NATIVE_HASHER = 'gatehouse';

export interface StoredCredential {
  digest: string;
  hasher: string;
}

export type PasswordInput =
  | { kind: 'plaintext'; password: string; skipChecks: boolean }
  | { kind: 'digest'; digest: string; hasher: PasswordHasher };

/** Checks policy (unless skipped) and hashes, off the event loop. Call before opening a transaction. */
export async function credentialFromInput(input: PasswordInput, context: PasswordContext, ctx: DomainContext): Promise<StoredCredential> {
  if (input.kind === 'digest') {
    if (!isWellFormedDigest(input.hasher, input.digest)) throw new GatehouseError('form_password_digest_invalid', { meta: { param_name: 'password_digest' } });
    return { digest: input.digest, hasher: input.hasher };
  }
  if (input.skipChecks) {
    // Even an imported plaintext must fit the hard input cap that keeps hashing cheap to refuse.
    if (Buffer.byteLength(input.password, 'utf8') > 1024 || input.password.length === 0) {
      throw paramError('form_param_format_invalid', 'password', 'password must be between 1 character and 1024 bytes.');
    }
  } else {
    checkPassword(input.password, { ...context, applicationName: ctx.policy.applicationName }, {
      minLength: ctx.policy.passwordMinLength,
      maxLength: 256,
    });
  }
  return { digest: await hashPassword(normalizePassword(input.password)), hasher: NATIVE_HASHER };
}

export interface PasswordCheck {
  matches: boolean;
  /** Set when the password matched a legacy or weaker digest: store this one instead. */
  upgrade?: StoredCredential;
}

export async function checkStoredPassword(stored: StoredCredential, password: string): Promise<PasswordCheck> {
  if (Buffer.byteLength(password, 'utf8') > 1024) return { matches: false };
  if (stored.hasher === NATIVE_HASHER) {
    const normalized = normalizePassword(password);
    const matches = await verifyPassword('argon2id', stored.digest, normalized);
    if (!matches) return { matches };
    return needsRehash(stored.digest) ? { matches, upgrade: { digest: await hashPassword(normalized), hasher: NATIVE_HASHER } } : { matches };
  }
  const matches = await verifyPassword(stored.hasher as PasswordHasher, stored.digest, password);
  if (!matches) return { matches };
  return { matches, upgrade: { digest: await hashPassword(normalizePassword(password)), hasher: NATIVE_HASHER } };
}

/** Reads `password` / `password_digest` + `password_hasher` into one input, or none. */
export function passwordInputFrom(params: {
  password?: string | null | undefined;
  passwordDigest?: string | null | undefined;
  passwordHasher?: PasswordHasher | null | undefined;
  skipPasswordChecks?: boolean | null | undefined;
}): PasswordInput | undefined {
  const { password, passwordDigest, passwordHasher } = params;
  if (password != null && passwordDigest != null) {
    throw paramError('form_param_value_invalid', 'password_digest', 'Provide either password or password_digest, not both.');
  }
  if (passwordDigest != null) {
    if (passwordHasher == null) throw paramError('form_param_missing', 'password_hasher', 'password_hasher must be included with password_digest.');
    return { kind: 'digest', digest: passwordDigest, hasher: passwordHasher };
  }
  if (passwordHasher != null) throw paramError('form_param_missing', 'password_digest', 'password_digest must be included with password_hasher.');
  if (password != null) return { kind: 'plaintext', password, skipChecks: params.skipPasswordChecks === true };
  return undefined;
}
