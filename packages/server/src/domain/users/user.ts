import type { Passkey } from '../passkeys/passkeys.js';
import type { ExternalAccount } from '../oauth/external-accounts.js';
import type { Metadata } from '../metadata.js';

/** The user aggregate as the domain hands it out: plain values, parsed metadata, derived flags. */
export interface Verification {
  status: 'verified' | 'unverified';
  strategy: string;
  /**
   * For a code or link: when a pending one expires, or when a verified one was verified (its
   * code stopped counting then). An identification keeps no other copy of its verification.
   */
  expireAt: number | null;
}

export interface EmailAddress {
  id: string;
  userId: string;
  emailAddress: string;
  verification: Verification | null;
  reserved: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface PhoneNumber {
  id: string;
  userId: string;
  phoneNumber: string;
  verification: Verification | null;
  reserved: boolean;
  reservedForSecondFactor: boolean;
  defaultSecondFactor: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface LockState {
  locked: boolean;
  /** Seconds until an active lock lifts; null when not locked. */
  expiresInSeconds: number | null;
  attemptsRemaining: number;
}

export interface User {
  id: string;
  externalId: string | null;
  username: string | null;
  firstName: string | null;
  lastName: string | null;
  locale: string | null;
  primaryEmailAddressId: string | null;
  primaryPhoneNumberId: string | null;
  /** The profile image, or the default picture when the person has not uploaded one. */
  imageUrl: string;
  hasImage: boolean;
  passwordEnabled: boolean;
  passwordUpdatedAt: number | null;
  passwordCompromised: boolean;
  publicMetadata: Metadata;
  privateMetadata: Metadata;
  unsafeMetadata: Metadata;
  banned: boolean;
  lock: LockState;
  lastSignInAt: number | null;
  lastActiveAt: number | null;
  legalAcceptedAt: number | null;
  /** Registered passkeys. */
  passkeys: Passkey[];
  /** Accounts at social providers. */
  externalAccounts: ExternalAccount[];
  totpEnabled: boolean;
  backupCodeEnabled: boolean;
  mfaEnabledAt: number | null;
  mfaDisabledAt: number | null;
  deleteSelfEnabled: boolean;
  createOrganizationEnabled: boolean;
  createOrganizationsLimit: number | null;
  createdAt: number;
  updatedAt: number;
  emailAddresses: EmailAddress[];
  phoneNumbers: PhoneNumber[];
}
