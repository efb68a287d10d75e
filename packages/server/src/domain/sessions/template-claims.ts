import type { Metadata } from '../metadata.js';
import type { EmailAddress, PhoneNumber, User } from '../users/user.js';

/**
 * JWT template shortcodes, as Clerk documents them (clerk-docs `guides/sessions/jwt-templates.mdx`
 * and the shortcode table it carried until April 2024):
 *
 * - A string that is exactly one `{{…}}` takes the shortcode's own type (object, number, boolean,
 *   null); a string mixing text and shortcodes interpolates their string forms, and there a null
 *   reads `null` ("null John" in Clerk's own example).
 * - `{{a || b || 'text' || 42 || true}}`: the first operand that is neither null nor false, else
 *   the last operand whatever it is. Literals are single-quoted strings, numbers and booleans.
 * - Dotted paths reach into values (`user.public_metadata.addresses.Home`); an unknown shortcode
 *   or a missing path is null.
 *
 * Everything here is pure. What a shortcode can read is only what `shortcodeScope` puts in the
 * scope, so private metadata cannot reach a token whatever a template names.
 */

/** A JSON value as a template holds it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** What shortcodes read, by namespace then field; an absent namespace (no active org) reads null. */
export type ShortcodeScope = Readonly<Record<string, Readonly<Record<string, unknown>> | undefined>>;

type Operand = { kind: 'path'; segments: string[] } | { kind: 'literal'; value: string | number | boolean };

/** One `{{ … }}` occurrence; `.*?` so two shortcodes in one string stay two. */
const SHORTCODE = /\{\{(.*?)\}\}/gs;
const NUMBER = /^-?\d+(?:\.\d+)?$/;
/** `namespace.field` then any number of `.key` steps; keys may hold anything but separators. */
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[^.\s|'{}]+)+$/;

export class ShortcodeSyntaxError extends Error {}

/** Parses the text between `{{` and `}}` into its `||`-separated operands. */
export function parseExpression(source: string): Operand[] {
  const operands: Operand[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < source.length && /\s/.test(source[i] as string)) i++;
  };
  for (;;) {
    skipSpace();
    if (i >= source.length) throw new ShortcodeSyntaxError(operands.length === 0 ? 'it is empty' : 'it ends with ||');
    if (source[i] === "'") {
      const end = source.indexOf("'", i + 1);
      if (end < 0) throw new ShortcodeSyntaxError('a quoted string is not closed');
      operands.push({ kind: 'literal', value: source.slice(i + 1, end) });
      i = end + 1;
    } else {
      const start = i;
      while (i < source.length && !/[\s|']/.test(source[i] as string)) i++;
      const token = source.slice(start, i);
      if (token.length === 0) throw new ShortcodeSyntaxError('an operand is missing before ||');
      operands.push(bareOperand(token));
    }
    skipSpace();
    if (i >= source.length) return operands;
    if (!source.startsWith('||', i)) throw new ShortcodeSyntaxError(`expected || after an operand, found "${source.slice(i, i + 10)}"`);
    i += 2;
  }
}

function bareOperand(token: string): Operand {
  if (token === 'true' || token === 'false') return { kind: 'literal', value: token === 'true' };
  if (NUMBER.test(token)) return { kind: 'literal', value: Number(token) };
  if (PATH.test(token)) return { kind: 'path', segments: token.split('.') };
  throw new ShortcodeSyntaxError(`"${token}" is neither a shortcode such as user.id nor a literal ('text', a number, true or false)`);
}

/**
 * The first shortcode expression in `claims` (values only, at any depth) that does not parse, as a
 * sentence naming it; undefined when all parse. Templates are checked when saved, so a token
 * request never meets a broken one.
 */
export function findShortcodeSyntaxError(claims: JsonValue): string | undefined {
  if (typeof claims === 'string') {
    for (const match of claims.matchAll(SHORTCODE)) {
      try {
        parseExpression(match[1] ?? '');
      } catch (error) {
        if (error instanceof ShortcodeSyntaxError) return `The shortcode ${match[0]} is invalid: ${error.message}.`;
        throw error;
      }
    }
    return undefined;
  }
  const children = Array.isArray(claims) ? claims : claims !== null && typeof claims === 'object' ? Object.values(claims) : [];
  for (const child of children) {
    const problem = findShortcodeSyntaxError(child);
    if (problem) return problem;
  }
  return undefined;
}

/** Own properties only, so `constructor` or `__proto__` in a path reads null, not an internal. */
function child(value: unknown, key: string): unknown {
  if (Array.isArray(value)) return /^\d+$/.test(key) ? value[Number(key)] : undefined;
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, key)) return (value as Record<string, unknown>)[key];
  return undefined;
}

function resolve(scope: ShortcodeScope, segments: readonly string[]): unknown {
  let current: unknown = scope;
  for (const segment of segments) {
    current = child(current, segment);
    if (current === undefined) return null;
  }
  return current ?? null;
}

/** Clerk's "falsy" for `||` is exactly null and false: 0 and '' are values. */
export function evaluateExpression(operands: readonly Operand[], scope: ShortcodeScope): unknown {
  let value: unknown = null;
  for (const operand of operands) {
    value = operand.kind === 'literal' ? operand.value : resolve(scope, operand.segments);
    if (value !== null && value !== false) return value;
  }
  return value;
}

function evaluateSource(source: string, scope: ShortcodeScope): unknown {
  try {
    return evaluateExpression(parseExpression(source), scope);
  } catch (error) {
    // Saved templates are validated; one that still fails to parse renders as an unknown shortcode.
    if (error instanceof ShortcodeSyntaxError) return null;
    throw error;
  }
}

function stringForm(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function renderString(text: string, scope: ShortcodeScope): unknown {
  const matches = [...text.matchAll(SHORTCODE)];
  if (matches.length === 0) return text;
  const only = matches[0];
  if (matches.length === 1 && only && only.index === 0 && only[0].length === text.length) return evaluateSource(only[1] ?? '', scope);
  return text.replace(SHORTCODE, (_whole, source: string) => stringForm(evaluateSource(source, scope)));
}

/** Renders every value of a template, at any depth; keys are never shortcodes. */
export function renderValue(value: JsonValue, scope: ShortcodeScope): unknown {
  if (typeof value === 'string') return renderString(value, scope);
  if (Array.isArray(value)) return value.map((item) => renderValue(item, scope));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = renderValue(item, scope);
    return out;
  }
  return value;
}

export function renderClaims(claims: Readonly<Record<string, JsonValue>>, scope: ShortcodeScope): Record<string, unknown> {
  return renderValue(claims as JsonValue, scope) as Record<string, unknown>;
}

// ---- the scope: which shortcodes exist and what they read ----

export type TemplateUser = Pick<
  User,
  | 'id'
  | 'externalId'
  | 'username'
  | 'firstName'
  | 'lastName'
  | 'primaryEmailAddressId'
  | 'primaryPhoneNumberId'
  | 'publicMetadata'
  | 'unsafeMetadata'
  | 'imageUrl'
  | 'hasImage'
  | 'totpEnabled'
  | 'backupCodeEnabled'
  | 'createdAt'
  | 'updatedAt'
> & { emailAddresses: Pick<EmailAddress, 'id' | 'emailAddress' | 'verification'>[]; phoneNumbers: Pick<PhoneNumber, 'id' | 'phoneNumber' | 'verification'>[] };

/** The session's active organization with the member's role in it. */
export interface TemplateOrganization {
  id: string;
  name: string;
  slug: string;
  imageUrl: string | null;
  publicMetadata: Metadata;
  roleKey: string;
  permissions: string[];
  membershipPublicMetadata: Metadata;
}

export interface TemplateSubject {
  user: TemplateUser;
  organization: TemplateOrganization | null;
  /** The impersonator claims of an impersonated session, else null. */
  actor: Record<string, unknown> | null;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);
const isVerified = (item: { verification: { status: string } | null }): boolean => item.verification?.status === 'verified';

function fullName(first: string | null, last: string | null): string | null {
  const parts = [first, last].filter((p): p is string => typeof p === 'string' && p.length > 0);
  return parts.length > 0 ? parts.join(' ') : null;
}

/**
 * The public face of a user, their active organization and session, as shortcodes read them.
 * Private metadata (user, organization, membership) is deliberately never put here.
 */
export function shortcodeScope(subject: TemplateSubject): ShortcodeScope {
  const { user, organization: org } = subject;
  const emailVerified = user.emailAddresses.some(isVerified);
  const phoneVerified = user.phoneNumbers.some(isVerified);
  // Like the session token's org_permissions, system permissions stay out of tokens.
  const permissions = org ? org.permissions.filter((p) => !p.startsWith('org:sys_')) : null;
  return {
    user: {
      id: user.id,
      external_id: user.externalId,
      first_name: user.firstName,
      last_name: user.lastName,
      full_name: fullName(user.firstName, user.lastName),
      username: user.username,
      primary_email_address: user.emailAddresses.find((e) => e.id === user.primaryEmailAddressId)?.emailAddress ?? null,
      primary_phone_number: user.phoneNumbers.find((p) => p.id === user.primaryPhoneNumberId)?.phoneNumber ?? null,
      email_verified: emailVerified,
      phone_number_verified: phoneVerified,
      // The names Clerk's docs used before email_verified / phone_number_verified.
      has_verified_email: emailVerified,
      has_verified_phone: phoneVerified,
      image_url: user.imageUrl,
      has_image: user.hasImage,
      two_factor_enabled: user.totpEnabled || user.backupCodeEnabled,
      // Unix seconds, like every time in a JWT (Clerk's table: "as a Unix timestamp").
      created_at: seconds(user.createdAt),
      updated_at: seconds(user.updatedAt),
      public_metadata: user.publicMetadata,
      unsafe_metadata: user.unsafeMetadata,
    },
    org: org
      ? {
          id: org.id,
          name: org.name,
          slug: org.slug,
          image_url: org.imageUrl ?? '',
          role: org.roleKey,
          permissions,
          public_metadata: org.publicMetadata,
        }
      : undefined,
    org_membership: org ? { permissions, public_metadata: org.membershipPublicMetadata } : undefined,
    session: { actor: subject.actor },
  };
}
