import type { Metadata } from '../metadata.js';

/** The organization aggregate and its satellites, as the domain hands them out. */

export interface Organization {
  id: string;
  name: string;
  slug: string;
  imageUrl: string | null;
  maxAllowedMemberships: number;
  adminDeleteEnabled: boolean;
  publicMetadata: Metadata;
  privateMetadata: Metadata;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  /** Present when the caller asked for counts. */
  membersCount?: number;
  pendingInvitationsCount?: number;
}

export interface Permission {
  id: string;
  key: string;
  name: string;
  description: string;
  type: 'system' | 'user';
  createdAt: number;
  updatedAt: number;
}

export interface Role {
  id: string;
  key: string;
  name: string;
  description: string | null;
  isCreatorEligible: boolean;
  permissions: Permission[];
  createdAt: number;
  updatedAt: number;
}

/** What an organization may show of a user: never private data. */
export interface PublicUserData {
  userId: string;
  firstName: string | null;
  lastName: string | null;
  imageUrl: string;
  hasImage: boolean;
  /** The user's primary email, else phone, else username. */
  identifier: string | null;
  username: string | null;
  banned: boolean;
}

export interface OrganizationMembership {
  id: string;
  organization: Organization;
  publicUserData: PublicUserData;
  role: { key: string; name: string; permissions: string[] };
  publicMetadata: Metadata;
  privateMetadata: Metadata;
  createdAt: number;
  updatedAt: number;
}

export type InvitationStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

export interface OrganizationInvitation {
  id: string;
  organizationId: string;
  emailAddress: string;
  role: { key: string; name: string };
  inviter: PublicUserData | null;
  status: InvitationStatus;
  /** The accept link with its single-use ticket; only on the reply that created the invitation. */
  url: string | null;
  publicMetadata: Metadata;
  privateMetadata: Metadata;
  expiresAt: number;
  createdAt: number;
  updatedAt: number;
}

export interface Invitation {
  id: string;
  emailAddress: string;
  status: InvitationStatus;
  url: string | null;
  publicMetadata: Metadata;
  expiresAt: number | null;
  createdAt: number;
  updatedAt: number;
}
