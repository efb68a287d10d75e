import type { BackupCodeSet } from '../../domain/mfa/backup-codes.js';
import type { TotpEnrollment } from '../../domain/mfa/totp.js';

/** Clerk's FAPI `TOTP`: the secret and URI only when enrolling, the backup codes only when confirming. */
export function serializeTotp(totp: TotpEnrollment) {
  return {
    object: 'totp',
    id: totp.id,
    secret: totp.secret,
    uri: totp.uri,
    verified: totp.verified,
    backup_codes: totp.backupCodes,
    created_at: totp.createdAt,
    updated_at: totp.updatedAt,
  };
}

/** Clerk's FAPI `BackupCodes`: the new set, shown this once. */
export function serializeBackupCodes(set: BackupCodeSet) {
  return { object: 'backup_code', id: set.id, codes: set.codes, created_at: set.createdAt, updated_at: set.createdAt };
}
