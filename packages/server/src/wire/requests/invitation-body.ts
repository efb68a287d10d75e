import { z } from 'zod';
import { flag, metadataObject, text } from './fields.js';

/** Kept in step with `MAX_EXPIRES_IN_DAYS` in domain/invitations (the domain checks it again). */
const MAX_EXPIRES_IN_DAYS = 365;

const email = text('The email address to invite.', 320);
const redirectUrl = text('Where the invitation link lands, e.g. your sign-up page.', 4096).nullish();
const expiresInDays = z.number().int().min(1).max(MAX_EXPIRES_IN_DAYS).describe('Days until the invitation expires (default 30).').nullish();
const notify = flag('Send the invitation email (default true).').nullish();

/** `POST /v1/invitations` (and each item of the bulk form). */
export const CREATE_INVITATION_FIELDS = {
  email_address: email,
  public_metadata: metadataObject.describe('Public metadata copied to the user on sign-up.').nullish(),
  redirect_url: redirectUrl,
  notify,
  ignore_existing: flag('Invite even if the address already belongs to a user.').nullish(),
  expires_in_days: expiresInDays,
  template_slug: z.enum(['invitation', 'waitlist_invitation']).nullish(),
};

/** `POST /v1/organizations/{organization_id}/invitations`. */
export const CREATE_ORGANIZATION_INVITATION_FIELDS = {
  email_address: email,
  role: z
    .string()
    .min(1)
    .max(256)
    .describe('Role key the member gets: org:admin or org:member (legacy admin / basic_member work too), or a custom role.'),
  inviter_user_id: text('ID of the member sending the invitation (must be able to manage members).', 128).nullish(),
  public_metadata: metadataObject.describe('Public metadata copied to the membership on acceptance.').nullish(),
  private_metadata: metadataObject.describe('Private metadata copied to the membership on acceptance.').nullish(),
  redirect_url: redirectUrl,
  expires_in_days: expiresInDays,
  notify,
};
