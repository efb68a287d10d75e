import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { DOMAIN_ENROLLMENT_MODES, INSTANCE_SETTINGS_SCHEMA, readInstanceSettings, updateInstanceSettings, type InstanceSettings } from '../../domain/settings/instance-settings.js';
import { findRoleByIdOrKey } from '../../domain/organizations/role-keys.js';
import { parseInput } from '../validation.js';

/**
 * The instance's settings at run time. `/instance/organization_settings` is Clerk's;
 * `/instance/user_settings` is a Gatehouse extension for what Clerk keeps in its dashboard: which
 * identifiers and factors people sign up and in with, and the sign-up mode.
 */
const organizationSettingsBody = z.object({
  enabled: z.boolean().nullish(),
  max_allowed_memberships: z.number().int().nullish(),
  admin_delete_enabled: z.boolean().nullish(),
  domains_enabled: z.boolean().nullish(),
  slug_disabled: z.boolean().nullish(),
  domains_enrollment_modes: z.array(z.enum(DOMAIN_ENROLLMENT_MODES)).max(3).nullish(),
  creator_role_id: z.string().nullish(),
  domains_default_role_id: z.string().nullish(),
});

function serializeOrganizationSettings(settings: InstanceSettings) {
  return {
    object: 'organization_settings',
    enabled: settings.organizations_enabled,
    max_allowed_memberships: 0,
    max_allowed_roles: 0,
    max_role_sets_allowed: 0,
    max_allowed_domains: 0,
    creator_role: 'org:admin',
    admin_delete_enabled: true,
    domains_enabled: settings.organization_domains.enabled,
    slug_disabled: false,
    domains_enrollment_modes: settings.organization_domains.enrollment_modes,
    domains_default_role: settings.organization_domains.default_role,
    initial_role_set_key: null,
  };
}

const userSettingsBody = INSTANCE_SETTINGS_SCHEMA.partial().omit({ organizations_enabled: true, organization_domains: true, restrictions: true });

export function registerInstanceSettingsRoutes(app: FastifyInstance, ctx: DomainContext): void {
  app.get('/instance/organization_settings', async () => serializeOrganizationSettings(await readInstanceSettings(ctx)));

  app.patch('/instance/organization_settings', async (request) => {
    const b = parseInput(organizationSettingsBody, request.body);
    const current = await readInstanceSettings(ctx);
    const domains = { ...current.organization_domains };
    if (b.domains_enabled != null) domains.enabled = b.domains_enabled;
    if (b.domains_enrollment_modes != null) domains.enrollment_modes = b.domains_enrollment_modes;
    // Clerk names the role by id; its key is accepted as well.
    if (b.domains_default_role_id != null) domains.default_role = (await findRoleByIdOrKey(ctx, b.domains_default_role_id, 'domains_default_role_id')).key;
    const settings = await updateInstanceSettings(ctx, { ...(b.enabled != null ? { organizations_enabled: b.enabled } : {}), organization_domains: domains });
    return serializeOrganizationSettings(settings);
  });

  app.get('/instance/user_settings', async () => ({ object: 'user_settings', ...(await readInstanceSettings(ctx)) }));

  app.patch('/instance/user_settings', async (request) => {
    const patch = parseInput(userSettingsBody, request.body);
    return { object: 'user_settings', ...(await updateInstanceSettings(ctx, patch)) };
  });
}
