import type { InstanceSettings } from '../../domain/settings/instance-settings.js';
import type { OAuthProvider } from '../../domain/oauth/providers.js';

/**
 * Clerk's FAPI `environment`: what clerk-js and its components read to decide which fields and
 * factors to show. `user_settings.attributes` is sent whole — clerk-js replaces its defaults with
 * whatever is sent, so a partial recipe would silently drop fields.
 */
export interface EnvironmentSource {
  settings: InstanceSettings;
  applicationName: string;
  /** The public URL's origin; hosted pages live under it. */
  origin: string;
  lockout: { maxAttempts: number; durationSeconds: number };
  passwordMinLength: number;
  /** Whether sign-in and sign-up hide whether an account exists (the setting, or the deployment's default). */
  enumerationProtection: boolean;
  /** The social providers the operator configured; the enabled ones get buttons. */
  providers: readonly OAuthProvider[];
}

/**
 * `user_settings.social`: one entry per provider, keyed and named by its strategy (clerk-js reads
 * `strategy`, and shows built-in providers with its own name and icon, custom ones with these).
 */
function social(providers: readonly OAuthProvider[]) {
  return Object.fromEntries(
    providers.map((p) => [
      p.strategy,
      {
        enabled: p.enabled,
        required: false,
        authenticatable: p.enabled,
        block_email_subaddresses: false,
        strategy: p.strategy,
        not_selectable: false,
        deprecated: false,
        name: p.name,
        logo_url: p.logoUrl,
      },
    ]),
  );
}

type Attribute = {
  enabled: boolean;
  required: boolean;
  used_for_first_factor: boolean;
  first_factors: string[];
  used_for_second_factor: boolean;
  second_factors: string[];
  verifications: string[];
  verify_at_sign_up: boolean;
  immutable: boolean;
};

const off: Attribute = {
  enabled: false,
  required: false,
  used_for_first_factor: false,
  first_factors: [],
  used_for_second_factor: false,
  second_factors: [],
  verifications: [],
  verify_at_sign_up: false,
  immutable: false,
};

function attributes(s: InstanceSettings): Record<string, Attribute> {
  const email = s.email_address;
  return {
    email_address: email.enabled
      ? {
          ...off,
          enabled: true,
          required: email.required,
          used_for_first_factor: email.used_for_first_factor,
          first_factors: email.used_for_first_factor ? [...email.first_factors] : [],
          verifications: [...email.verifications],
          verify_at_sign_up: email.verify_at_sign_up,
        }
      : off,
    phone_number: s.phone_number.enabled ? { ...off, enabled: true, required: false, used_for_first_factor: false, verifications: ['phone_code'] } : off,
    username: s.username.enabled ? { ...off, enabled: true, required: s.username.required, used_for_first_factor: s.username.used_for_first_factor } : off,
    web3_wallet: off,
    first_name: s.first_name.enabled ? { ...off, enabled: true, required: s.first_name.required } : off,
    last_name: s.last_name.enabled ? { ...off, enabled: true, required: s.last_name.required } : off,
    password: s.password.enabled ? { ...off, enabled: true, required: s.password.required } : off,
    authenticator_app: s.multi_factor.authenticator_app ? { ...off, enabled: true, used_for_second_factor: true, second_factors: ['totp'] } : off,
    ticket: { ...off, enabled: true },
    backup_code: s.multi_factor.backup_code ? { ...off, enabled: true, used_for_second_factor: true, second_factors: ['backup_code'] } : off,
    passkey: s.passkey.enabled ? { ...off, enabled: true, used_for_first_factor: true, first_factors: ['passkey'], verifications: ['passkey'] } : off,
  };
}

const onOff = (a: { enabled: boolean; required: boolean }) => (a.required ? 'required' : a.enabled ? 'on' : 'off');

export function serializeEnvironment(source: EnvironmentSource) {
  const { settings: s, origin } = source;
  const url = (path: string) => `${origin}${path}`;
  const firstFactors = [
    ...(s.password.enabled ? ['password'] : []),
    ...(s.email_address.enabled && s.email_address.used_for_first_factor ? s.email_address.first_factors : []),
    ...(s.password.enabled && s.email_address.enabled ? ['reset_password_email_code'] : []),
    ...(s.passkey.enabled ? ['passkey'] : []),
    'ticket',
  ];
  return {
    auth_config: {
      object: 'auth_config',
      id: 'aac_gatehouse',
      first_name: onOff(s.first_name),
      last_name: onOff(s.last_name),
      email_address: onOff(s.email_address),
      phone_number: s.phone_number.enabled ? 'on' : 'off',
      username: onOff(s.username),
      password: onOff(s.password),
      identification_requirements: [[...(s.email_address.enabled ? ['email_address'] : []), ...(s.username.enabled ? ['username'] : [])]],
      identification_strategies: [...(s.email_address.enabled ? ['email_address'] : []), ...(s.username.enabled ? ['username'] : [])],
      first_factors: firstFactors,
      second_factors: [...(s.multi_factor.authenticator_app ? ['totp'] : []), ...(s.multi_factor.backup_code ? ['backup_code'] : [])],
      email_address_verification_strategies: [...s.email_address.verifications],
      single_session_mode: s.single_session_mode,
      enhanced_email_deliverability: false,
      test_mode: false,
      url_based_session_syncing: false,
      claimed_at: null,
      reverification: false,
      native_settings: {
        object: 'native_settings',
        api_enabled: true,
        trusted_device_sign_in_enabled: false,
        trusted_device_enrollment_prompt_after_sign_in_enabled: false,
        trusted_device_enrollment_prompt_after_sign_up_enabled: false,
      },
    },
    display_config: {
      object: 'display_config',
      id: 'display_config_gatehouse',
      instance_environment_type: 'production',
      application_name: source.applicationName,
      theme: {},
      preferred_sign_in_strategy: 'password',
      logo_image_url: null,
      favicon_image_url: null,
      home_url: url('/'),
      sign_in_url: url('/sign-in'),
      sign_up_url: url('/sign-up'),
      user_profile_url: url('/user'),
      waitlist_url: url('/waitlist'),
      oauth_consent_url: url('/oauth/consent'),
      after_sign_in_url: url('/'),
      after_sign_up_url: url('/'),
      after_sign_out_one_url: url('/sign-in'),
      after_sign_out_all_url: url('/sign-in'),
      after_switch_session_url: url('/'),
      after_join_waitlist_url: url('/'),
      organization_profile_url: url('/organization'),
      create_organization_url: url('/create-organization'),
      after_leave_organization_url: url('/'),
      after_create_organization_url: url('/'),
      logo_link_url: url('/'),
      support_email: null,
      branded: false,
      experimental_force_oauth_first: false,
      clerk_js_version: null,
      show_devmode_warning: false,
      google_one_tap_client_id: null,
      help_url: null,
      privacy_policy_url: null,
      terms_url: null,
      logo_url: null,
      favicon_url: null,
      logo_image: null,
      favicon_image: null,
      captcha_public_key: null,
      captcha_widget_type: null,
      captcha_public_key_invisible: null,
      captcha_provider: null,
      captcha_oauth_bypass: [],
      captcha_heartbeat: false,
    },
    user_settings: {
      attributes: attributes(s),
      social: social(source.providers),
      saml: { enabled: false },
      enterprise_sso: { enabled: false },
      sign_in: { second_factor: { required: s.multi_factor.required } },
      sign_up: {
        captcha_enabled: false,
        captcha_widget_type: 'smart',
        custom_action_required: false,
        progressive: true,
        mode: s.sign_up.mode,
        legal_consent_enabled: s.sign_up.legal_consent_enabled,
      },
      restrictions: {
        allowlist: { enabled: s.restrictions.allowlist },
        blocklist: { enabled: s.restrictions.blocklist },
        allowlist_blocklist_disabled_on_sign_in: { enabled: s.restrictions.allowlist_blocklist_disabled_on_sign_in },
        block_email_subaddresses: { enabled: s.restrictions.block_email_subaddresses },
        block_disposable_email_domains: { enabled: s.restrictions.block_disposable_email_domains },
      },
      password_settings: {
        disable_hibp: false,
        disable_password_reverification: true,
        min_length: source.passwordMinLength,
        max_length: 256,
        require_special_char: false,
        require_numbers: false,
        require_uppercase: false,
        require_lowercase: false,
        show_zxcvbn: false,
        min_zxcvbn_strength: 0,
        enforce_hibp_on_sign_in: false,
        allowed_special_characters: '',
      },
      username_settings: { min_length: 4, max_length: 64, allow_extended_special_characters: false, allow_numeric_usernames: true },
      actions: { delete_self: s.actions.delete_self, create_organization: s.organizations_enabled, create_organizations_limit: null },
      attack_protection: {
        user_lockout: { enabled: true, max_attempts: source.lockout.maxAttempts, duration_in_minutes: Math.ceil(source.lockout.durationSeconds / 60) },
        pii: { enabled: false },
        email_link: { require_same_client: true },
        enumeration_protection: { enabled: source.enumerationProtection },
      },
      passkey_settings: {
        allow_autofill: s.passkey.enabled && s.passkey.allow_autofill,
        show_sign_in_button: s.passkey.enabled && s.passkey.show_sign_in_button,
        satisfies_second_factor: true,
      },
    },
    organization_settings: {
      enabled: s.organizations_enabled,
      max_allowed_memberships: 0,
      actions: { admin_delete: true },
      domains: { enabled: s.organization_domains.enabled, enrollment_modes: ['manual_invitation', ...s.organization_domains.enrollment_modes.filter((m) => m !== 'manual_invitation')], default_role: s.organization_domains.default_role },
      slug: { disabled: false },
      creator_role: 'org:admin',
    },
    commerce_settings: { billing: { user: { enabled: false, has_paid_plans: false }, organization: { enabled: false, has_paid_plans: false } } },
    api_keys_settings: { enabled: false, user_api_keys_enabled: false, orgs_api_keys_enabled: false },
    maintenance_mode: false,
    client_debug_mode: false,
  };
}
