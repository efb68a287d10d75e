import { z } from 'zod';
import { flag, metadataObject, rfc3339, text } from './fields.js';

const maxAllowedMemberships = z.number().int().min(0).max(1_000_000).describe('Most members the organization may have; 0 means no limit.');

/** `POST /v1/organizations`. */
export const CREATE_ORGANIZATION_FIELDS = {
  name: text('Display name.'),
  slug: text('URL-friendly unique identifier (lowercase letters, digits, dashes).', 128).nullish(),
  created_by: text('ID of the user who creates it and becomes its admin.', 128).nullish(),
  max_allowed_memberships: maxAllowedMemberships.nullish(),
  public_metadata: metadataObject.describe('Metadata readable by the frontend.').nullish(),
  private_metadata: metadataObject.describe('Metadata only the backend can read.').nullish(),
  created_at: rfc3339.nullish(),
};

/** `PATCH /v1/organizations/{organization_id}`: absent fields stay as they are; metadata given replaces the whole value. */
export const UPDATE_ORGANIZATION_FIELDS = {
  name: text('New name.').nullish(),
  slug: text('New slug.', 128).nullish(),
  max_allowed_memberships: maxAllowedMemberships.nullish(),
  admin_delete_enabled: flag('Whether admins may delete the organization from the frontend.').nullish(),
  created_at: rfc3339.nullish(),
  public_metadata: metadataObject.describe('New public metadata (replaces the current value).').nullish(),
  private_metadata: metadataObject.describe('New private metadata (replaces the current value).').nullish(),
};
