import { normalizeBackupCode } from '../../crypto/backup-codes.js';
import { normalizeTotpSecret } from '../../crypto/totp.js';
import { paramError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import type { DomainContext } from '../context.js';
import { storeBackupCodes } from './backup-codes.js';
import { storeVerifiedTotp } from './totp.js';

/** Second factors brought from another system through the Backend API (`totp_secret`, `backup_codes`). */
export interface ImportedSecondFactors {
  totpSecret: string | null;
  backupCodes: string[];
}

/** The factors given, validated; undefined when none were. */
export function importedSecondFactors(totpSecret: string | null | undefined, backupCodes: readonly string[] | null | undefined): ImportedSecondFactors | undefined {
  const codes = (backupCodes ?? []).map((c) => normalizeBackupCode(c));
  if (codes.some((c) => c.length < 6 || c.length > 64)) throw paramError('form_param_value_invalid', 'backup_codes', 'Each backup code must have 6 to 64 characters.');
  if (!totpSecret && codes.length === 0) return undefined;
  const secret = totpSecret ? normalizeTotpSecret(totpSecret) : null;
  if (totpSecret && !secret) throw paramError('form_param_value_invalid', 'totp_secret', 'totp_secret must be a base32 secret of at least 80 bits.');
  return { totpSecret: secret ?? null, backupCodes: codes };
}

/** Writes them, each replacing what the user had of its kind, in the caller's transaction. */
export async function storeImportedSecondFactors(ctx: DomainContext, trx: Executor, userId: string, factors: ImportedSecondFactors, now: number): Promise<void> {
  if (factors.totpSecret) await storeVerifiedTotp(ctx, trx, userId, factors.totpSecret, now);
  if (factors.backupCodes.length > 0) await storeBackupCodes(ctx, trx, userId, now, factors.backupCodes);
}
