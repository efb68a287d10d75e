import { z } from 'zod';
import { isLoopbackHost } from '../../config.js';
import { readInstanceSettingsRow, writeInstanceSettingsRow } from '../../store/repositories/instance-settings-repository.js';
import type { Executor } from '../../store/db.js';
import type { DomainContext } from '../context.js';

/**
 * What the instance lets people do from the browser: which identifiers a user has, how they sign
 * in and up, and what must be verified. Stored in the store (so every server process reads the
 * same), changed at run time through the Backend API; what is not stored takes the default.
 * Names are Clerk's (`user_settings.attributes`, `sign_up.mode`), snake_case as on the wire.
 */
const attribute = z.object({
  enabled: z.boolean(),
  required: z.boolean(),
});

export const EMAIL_FIRST_FACTORS = ['email_code', 'email_link'] as const;
export const EMAIL_VERIFICATIONS = ['email_code', 'email_link'] as const;
export const DOMAIN_ENROLLMENT_MODES = ['manual_invitation', 'automatic_invitation', 'automatic_suggestion'] as const;

export const INSTANCE_SETTINGS_SCHEMA = z
  .object({
    sign_up: z
      .object({
        /** `restricted`: only invitations sign up; `waitlist`: nobody. */
        mode: z.enum(['public', 'restricted', 'waitlist']).default('public'),
        legal_consent_enabled: z.boolean().default(false),
      })
      .strict()
      .default({ mode: 'public', legal_consent_enabled: false }),
    email_address: attribute
      .extend({
        used_for_first_factor: z.boolean(),
        first_factors: z.array(z.enum(EMAIL_FIRST_FACTORS)).max(2),
        verifications: z.array(z.enum(EMAIL_VERIFICATIONS)).min(1).max(2),
        verify_at_sign_up: z.boolean(),
      })
      .strict()
      .default({ enabled: true, required: true, used_for_first_factor: true, first_factors: ['email_code'], verifications: ['email_code'], verify_at_sign_up: true }),
    username: attribute.extend({ used_for_first_factor: z.boolean() }).strict().default({ enabled: false, required: false, used_for_first_factor: false }),
    /**
     * Phone numbers people may add (at sign-up and on their account) and verify by a code sent as
     * a text message. Without an SMS provider they are optional and not a way to sign in.
     */
    phone_number: z
      .object({ enabled: z.boolean(), required: z.literal(false), used_for_first_factor: z.literal(false) })
      .strict()
      .default({ enabled: false, required: false, used_for_first_factor: false }),
    first_name: attribute.strict().default({ enabled: false, required: false }),
    last_name: attribute.strict().default({ enabled: false, required: false }),
    password: attribute.strict().default({ enabled: true, required: true }),
    /**
     * Second factors people may enroll (an authenticator app; backup codes, issued with it), and
     * whether everyone must have one before they may use the app.
     */
    multi_factor: z
      .object({ authenticator_app: z.boolean(), backup_code: z.boolean(), required: z.boolean() })
      .strict()
      .default({ authenticator_app: true, backup_code: true, required: false }),
    /**
     * Passkeys: whether people may register them and sign in with one (which counts as both
     * factors), and how `<SignIn/>` offers them (a button, and the browser's autofill).
     */
    passkey: z
      .object({ enabled: z.boolean(), allow_autofill: z.boolean(), show_sign_in_button: z.boolean() })
      .strict()
      .default({ enabled: false, allow_autofill: true, show_sign_in_button: true }),
    /**
     * Who may sign up and in (Clerk's restrictions): the allowlist admits only the identifiers on
     * it, the blocklist refuses those on it (both at sign-in too, unless turned off there); email
     * subaddresses (`a+b@…`) and disposable email domains can be refused at sign-up.
     */
    restrictions: z
      .object({
        allowlist: z.boolean(),
        blocklist: z.boolean(),
        allowlist_blocklist_disabled_on_sign_in: z.boolean(),
        block_email_subaddresses: z.boolean(),
        block_disposable_email_domains: z.boolean(),
      })
      .strict()
      .default({ allowlist: false, blocklist: false, allowlist_blocklist_disabled_on_sign_in: false, block_email_subaddresses: false, block_disposable_email_domains: false }),
    /**
     * Clerk's strict user enumeration protection: sign-in, sign-up and password reset answer alike
     * whether or not an account holds the identifier. `null` follows the deployment: on unless the
     * public URL is on loopback (development).
     */
    attack_protection: z
      .object({ enumeration_protection: z.boolean().nullable() })
      .strict()
      .default({ enumeration_protection: null }),
    /** What people may do for themselves: delete their own account (each user's `delete_self_enabled` can still turn it off for them). */
    actions: z.object({ delete_self: z.boolean() }).strict().default({ delete_self: true }),
    /** One signed-in account per browser, as Clerk's default. */
    single_session_mode: z.boolean().default(true),
    organizations_enabled: z.boolean().default(true),
    /**
     * Organizations' verified domains (Clerk's `organization_settings.domains`): whether they may
     * have them, the enrollment modes they may choose, and the role people enrolled by one get.
     */
    organization_domains: z
      .object({
        enabled: z.boolean(),
        enrollment_modes: z.array(z.enum(DOMAIN_ENROLLMENT_MODES)).max(3),
        default_role: z.string().min(1).max(128),
      })
      .strict()
      .default({ enabled: false, enrollment_modes: ['manual_invitation'], default_role: 'org:member' }),
  })
  .strict();

export type InstanceSettings = z.output<typeof INSTANCE_SETTINGS_SCHEMA>;
export type InstanceSettingsPatch = z.input<typeof INSTANCE_SETTINGS_SCHEMA>;

export const DEFAULT_INSTANCE_SETTINGS: InstanceSettings = INSTANCE_SETTINGS_SCHEMA.parse({});

/** Whether sign-in, sign-up and reset must hide whether an account exists (see `attack_protection`). */
export function enumerationProtected(settings: InstanceSettings, publicUrl: URL): boolean {
  return settings.attack_protection.enumeration_protection ?? !isLoopbackHost(publicUrl.hostname);
}

export async function readInstanceSettings(ctx: DomainContext): Promise<InstanceSettings> {
  return readInstanceSettingsIn(ctx.store.db);
}

/** The settings as `db` (a transaction, say) sees them. */
export async function readInstanceSettingsIn(db: Executor): Promise<InstanceSettings> {
  const row = await readInstanceSettingsRow(db);
  if (!row) return DEFAULT_INSTANCE_SETTINGS;
  // Stored settings were validated when written; a row written by a newer version with fields
  // this one does not know keeps the defaults for what it cannot read.
  const parsed = INSTANCE_SETTINGS_SCHEMA.safeParse(JSON.parse(row.settings));
  return parsed.success ? parsed.data : DEFAULT_INSTANCE_SETTINGS;
}

/** Replaces the sections given (each whole), keeps the others; validated before it is stored. */
export async function updateInstanceSettings(ctx: DomainContext, patch: InstanceSettingsPatch): Promise<InstanceSettings> {
  return ctx.store.transaction(async (trx) => {
    const current = await readInstanceSettingsRow(trx);
    const stored = current ? (JSON.parse(current.settings) as Record<string, unknown>) : {};
    const next = INSTANCE_SETTINGS_SCHEMA.parse({ ...stored, ...patch });
    await writeInstanceSettingsRow(trx, JSON.stringify(next), ctx.now());
    return next;
  });
}
