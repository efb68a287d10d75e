import { createRequire } from 'node:module';
import { newId } from '../../crypto/ids.js';
import { GatehouseError, notFound, paramError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import {
  anyOnList,
  deleteRestrictionIdentifier,
  findRestrictionIdentifier,
  insertRestrictionIdentifier,
  listRestrictionIdentifiers,
  type RestrictionIdentifierRow,
} from '../../store/repositories/restriction-repository.js';
import type { RestrictionList } from '../../store/schema.js';
import type { DomainContext } from '../context.js';
import { readInstanceSettings, updateInstanceSettings, type InstanceSettings } from '../settings/instance-settings.js';
import { normalizeEmail, parseEmailAddress, parsePhoneNumber } from '../users/identifiers.js';

/**
 * Clerk's restrictions: the allowlist and the blocklist of identifiers (an address, every address
 * at a domain written `*@example.com`, a phone number), and at sign-up the refusal of email
 * subaddresses and of disposable email domains (the `disposable-email-domains` list).
 */
export interface RestrictionIdentifier {
  id: string;
  list: RestrictionList;
  identifier: string;
  identifierType: 'email_address' | 'phone_number';
  createdAt: number;
  updatedAt: number;
}

function toIdentifier(row: RestrictionIdentifierRow): RestrictionIdentifier {
  return { id: row.id, list: row.list, identifier: row.identifier, identifierType: row.identifier_type, createdAt: row.created_at, updatedAt: row.updated_at };
}

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** An identifier as the lists store it, normalized as sign-up normalizes what people type. */
function parseListIdentifier(raw: string): Pick<RestrictionIdentifierRow, 'identifier' | 'identifier_type'> {
  const value = raw.trim();
  if (value.startsWith('*@')) {
    const domain = normalizeEmail(value.slice(2));
    if (!DOMAIN.test(domain)) throw paramError('form_param_format_invalid', 'identifier', 'A domain is written *@example.com.');
    return { identifier: `*@${domain}`, identifier_type: 'email_address' };
  }
  if (value.startsWith('+')) return { identifier: parsePhoneNumber(value, 'identifier'), identifier_type: 'phone_number' };
  return { identifier: parseEmailAddress(value, 'identifier'), identifier_type: 'email_address' };
}

export async function listRestrictions(ctx: DomainContext, list: RestrictionList): Promise<RestrictionIdentifier[]> {
  return (await listRestrictionIdentifiers(ctx.store.db, list)).map(toIdentifier);
}

export async function addRestriction(ctx: DomainContext, list: RestrictionList, raw: string): Promise<RestrictionIdentifier> {
  const parsed = parseListIdentifier(raw);
  const now = ctx.now();
  return ctx.store.transaction(async (trx) => {
    if (await findRestrictionIdentifier(trx, list, parsed.identifier)) throw paramError('form_identifier_exists', 'identifier', `${parsed.identifier} is on the ${list} already.`);
    const row: RestrictionIdentifierRow = { id: newId(list === 'allowlist' ? 'alid' : 'blid', now), list, ...parsed, created_at: now, updated_at: now };
    await insertRestrictionIdentifier(trx, row);
    return toIdentifier(row);
  });
}

export async function removeRestriction(ctx: DomainContext, list: RestrictionList, id: string): Promise<RestrictionIdentifier> {
  const row = await deleteRestrictionIdentifier(ctx.store.db, list, id);
  if (!row) throw notFound();
  return toIdentifier(row);
}

/** Turns the restrictions given on or off; the others stay as they are. */
export async function updateRestrictions(ctx: DomainContext, patch: Partial<InstanceSettings['restrictions']>): Promise<InstanceSettings> {
  const current = (await readInstanceSettings(ctx)).restrictions;
  return updateInstanceSettings(ctx, { restrictions: { ...current, ...patch } });
}

/** What a list entry would match an identifier by: itself and, for an address, its domain. */
function listKeys(identifier: string): string[] {
  const at = identifier.lastIndexOf('@');
  return at < 0 ? [identifier] : [identifier, `*@${identifier.slice(at + 1)}`];
}

export interface RestrictionCheck {
  /** The identifiers the person gives (normalized): email addresses and phone numbers. */
  identifiers: readonly string[];
  phase: 'sign_up' | 'sign_in';
  /** Someone invited may sign up though not on the allowlist (Clerk adds invitees to it). */
  invited?: boolean;
}

function refused(): GatehouseError {
  return new GatehouseError('not_allowed_access', { longMessage: 'You are not allowed to access this application.' });
}

/**
 * Refuses what the instance's restrictions keep out. The blocklist wins over everything; the
 * allowlist admits a person when one of their identifiers (or its domain) is on it.
 */
export async function assertIdentifiersAllowed(db: Executor, settings: InstanceSettings, check: RestrictionCheck): Promise<void> {
  const r = settings.restrictions;
  const keys = check.identifiers.flatMap(listKeys);
  const listsApply = check.phase === 'sign_up' || !r.allowlist_blocklist_disabled_on_sign_in;
  if (listsApply && r.blocklist && (await anyOnList(db, 'blocklist', keys))) throw refused();
  if (listsApply && r.allowlist && !check.invited && !(await anyOnList(db, 'allowlist', keys))) throw refused();
  if (check.phase !== 'sign_up') return;
  for (const identifier of check.identifiers) {
    const at = identifier.lastIndexOf('@');
    if (at < 0) continue;
    if (r.block_email_subaddresses && /[+=#]/.test(identifier.slice(0, at))) {
      throw paramError('form_param_value_invalid', 'email_address', 'Email subaddresses (with +, = or #) are not allowed here.');
    }
    if (r.block_disposable_email_domains && isDisposableDomain(identifier.slice(at + 1))) {
      throw paramError('form_param_value_invalid', 'email_address', 'Disposable email addresses are not allowed here.');
    }
  }
}

let disposable: ReadonlySet<string> | undefined;

/** A domain, or one it is under, on the disposable list (loaded once, on first use). */
function isDisposableDomain(domain: string): boolean {
  disposable ??= new Set(createRequire(import.meta.url)('disposable-email-domains') as string[]);
  const labels = domain.split('.');
  for (let i = 0; i < labels.length - 1; i++) if (disposable.has(labels.slice(i).join('.'))) return true;
  return false;
}
