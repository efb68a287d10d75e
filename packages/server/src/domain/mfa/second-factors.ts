import type { Executor } from '../../store/db.js';
import { readSecondFactors } from '../../store/repositories/second-factor-repository.js';
import { completeSessionTask } from '../../store/repositories/session-repository.js';
import { updateUserRow, type UserRow } from '../../store/repositories/user-repository.js';
import { SETUP_MFA_TASK } from '../sessions/sessions.js';

/** Whether the user has two-step verification: any second factor at all. */
export function hasSecondFactor(row: Pick<UserRow, 'totp_enabled' | 'backup_code_enabled'>): boolean {
  return row.totp_enabled === 1 || row.backup_code_enabled === 1;
}

/**
 * Brings the user row's factor flags in line with the factors themselves, in the transaction that
 * changed them (the caller holds the user's row lock), and stamps `mfa_enabled_at` or
 * `mfa_disabled_at` when two-step verification as a whole turns on or off.
 */
export async function syncSecondFactorFlags(trx: Executor, user: UserRow, now: number): Promise<void> {
  const factors = await readSecondFactors(trx, user.id);
  const next = { totp_enabled: factors.totp ? 1 : 0, backup_code_enabled: factors.backupCodes ? 1 : 0 } as const;
  const wasOn = hasSecondFactor(user);
  const isOn = hasSecondFactor(next);
  await updateUserRow(trx, user.id, {
    ...next,
    ...(isOn && !wasOn ? { mfa_enabled_at: now } : {}),
    ...(wasOn && !isOn ? { mfa_disabled_at: now } : {}),
    updated_at: now,
  });
  // The task of setting it up is done: the person's waiting sessions become active.
  if (isOn) await completeSessionTask(trx, user.id, SETUP_MFA_TASK, now);
}
