import { newId } from '../../crypto/ids.js';
import { GatehouseError, notFound, paramError } from '../../errors.js';
import type { Executor } from '../../store/db.js';
import { findVerificationRows } from '../../store/repositories/attempt-repository.js';
import {
  countDomainPendings,
  deletePendingDomainSuggestions,
  deleteOrganizationDomainRow,
  domainVerifiedElsewhere,
  findOrganizationDomainByName,
  findOrganizationDomainRow,
  insertOrganizationDomain,
  listPendingDomainInvitationIds,
  listOrganizationDomainRows,
  updateOrganizationDomainRow,
  type OrganizationDomainRow,
} from '../../store/repositories/domain-repository.js';
import { listOrganizationCards, lockOrganizationRow, requireOrganizationRow } from '../../store/repositories/organization-repository.js';
import type { DomainEnrollmentMode } from '../../store/schema.js';
import { uniqueViolationColumn } from '../../store/unique-violation.js';
import type { DomainContext } from '../context.js';
import { appendEvent } from '../events/append-event.js';
import { eventData } from '../events/catalog.js';
import type { Page } from '../page.js';
import { checkEmailCode, sendEmailCode } from '../verifications/email-codes.js';
import { parseEmailAddress } from '../users/identifiers.js';
import { revokeOrganizationInvitationsIn } from './organization-invitations.js';
import { imageUrlFor } from '../images.js';

/**
 * An organization's email domains. A verified domain lets people with a verified address there be
 * suggested the organization (and ask to join) or be invited to it automatically, as its
 * enrollment mode says. An admin verifies a domain by proving an address at it with an emailed
 * code; the Backend API may mark it verified outright. A domain is verified for one organization
 * at most.
 */
export interface OrganizationDomainVerificationState {
  status: 'unverified' | 'verified';
  strategy: string;
  attempts: number | null;
  expireAt: number | null;
  verifiedAt: number | null;
}

export interface OrganizationDomain {
  id: string;
  organizationId: string;
  name: string;
  enrollmentMode: DomainEnrollmentMode;
  affiliationEmailAddress: string | null;
  verification: OrganizationDomainVerificationState | null;
  totalPendingInvitations: number;
  totalPendingSuggestions: number;
  publicOrganizationData: { id: string; name: string; slug: string; imageUrl: string | null } | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * Mail providers anyone can have an address at: as an organization's domain they would enroll
 * strangers, so none can be added. The largest providers only; a self-hosted operator can refuse
 * more by policy.
 */
const COMMON_MAIL_DOMAINS = new Set([
  'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'yahoo.com', 'ymail.com',
  'icloud.com', 'me.com', 'mac.com', 'aol.com', 'proton.me', 'protonmail.com', 'gmx.com', 'gmx.de', 'web.de',
  'mail.com', 'yandex.com', 'yandex.ru', 'mail.ru', 'qq.com', '163.com', 'zoho.com', 'fastmail.com',
]);

const HOST_NAME = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/** A domain name as stored: lower-case ASCII (an internationalized name in its punycode form). */
export function parseDomainName(raw: string): string {
  const trimmed = raw.trim().replace(/\.$/, '');
  let ascii: string;
  try {
    ascii = new URL(`http://${trimmed}`).hostname;
  } catch {
    ascii = '';
  }
  if (!HOST_NAME.test(ascii) || ascii !== ascii.toLowerCase() || /[/@:?#\s]/.test(trimmed)) {
    throw paramError('form_param_format_invalid', 'name', 'name must be a domain name, such as example.com.');
  }
  if (COMMON_MAIL_DOMAINS.has(ascii)) throw new GatehouseError('organization_domain_common', { meta: { param_name: 'name' } });
  return ascii;
}

async function toDomains(ctx: DomainContext, db: Executor, rows: readonly OrganizationDomainRow[]): Promise<OrganizationDomain[]> {
  const now = ctx.now();
  const [pendings, verifications, cards] = await Promise.all([
    countDomainPendings(db, rows, now),
    findVerificationRows(db, rows.flatMap((r) => (r.verification_id ? [r.verification_id] : []))),
    listOrganizationCards(db, rows.map((r) => r.organization_id)),
  ]);
  const codes = new Map(verifications.map((v) => [v.id, v]));
  const orgs = new Map(cards.map((c) => [c.id, c]));
  return rows.map((row) => {
    const code = row.verification_id ? codes.get(row.verification_id) : undefined;
    const verified = row.verification_status === 'verified';
    const verification: OrganizationDomainVerificationState | null =
      verified || code
        ? {
            status: verified ? 'verified' : 'unverified',
            strategy: row.verification_strategy ?? 'email_code',
            attempts: code?.attempts ?? null,
            expireAt: verified ? null : (code?.expire_at ?? null),
            verifiedAt: row.verified_at,
          }
        : null;
    const counts = pendings.get(row.id) ?? { invitations: 0, suggestions: 0 };
    const card = orgs.get(row.organization_id);
    return {
      id: row.id,
      organizationId: row.organization_id,
      name: row.name,
      enrollmentMode: row.enrollment_mode,
      affiliationEmailAddress: row.affiliation_email_address,
      verification,
      totalPendingInvitations: counts.invitations,
      totalPendingSuggestions: counts.suggestions,
      publicOrganizationData: card ? { id: card.id, name: card.name, slug: card.slug, imageUrl: card.image_id ? imageUrlFor(ctx, card.image_id) : null } : null,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  });
}

async function toDomain(ctx: DomainContext, db: Executor, row: OrganizationDomainRow): Promise<OrganizationDomain> {
  const [domain] = await toDomains(ctx, db, [row]);
  if (!domain) throw notFound();
  return domain;
}

async function requireDomainRow(db: Executor, organizationId: string, domainId: string): Promise<OrganizationDomainRow> {
  const row = await findOrganizationDomainRow(db, organizationId, domainId);
  if (!row) throw notFound();
  return row;
}

type DomainEventType = 'organizationDomain.created' | 'organizationDomain.updated';

async function recordDomainChange(ctx: DomainContext, trx: Executor, type: DomainEventType, domainId: string, organizationId: string): Promise<void> {
  const domain = await toDomain(ctx, trx, await requireDomainRow(trx, organizationId, domainId));
  await appendEvent(trx, { type, data: eventData(type, domain), subjectOrganizationId: organizationId }, ctx.now());
}

function takenElsewhere(): GatehouseError {
  return new GatehouseError('form_identifier_exists', { meta: { param_name: 'name' }, longMessage: 'Another organization has verified this domain.' });
}

/** Writes that a domain turned verified, which the partial unique index keeps to one organization. */
async function withVerifiedConflicts<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (uniqueViolationColumn(error) !== undefined) throw takenElsewhere();
    throw error;
  }
}

export interface CreateDomainInput {
  name: string;
  enrollmentMode?: DomainEnrollmentMode | undefined;
  /** The Backend API may vouch for a domain; from the browser, a domain starts unverified. */
  verified?: boolean | undefined;
}

export async function createOrganizationDomain(ctx: DomainContext, organizationId: string, input: CreateDomainInput): Promise<OrganizationDomain> {
  const name = parseDomainName(input.name);
  const verified = input.verified === true;
  const mode = input.enrollmentMode ?? 'manual_invitation';
  if (!verified && mode !== 'manual_invitation') throw unverifiedMode();
  const now = ctx.now();
  const id = newId('orgdmn', now);
  const row = await withVerifiedConflicts(() =>
    ctx.store.transaction(async (trx) => {
      const org = await lockOrganizationRow(trx, ctx.store.dialect, (await requireOrganizationRow(trx, organizationId)).id);
      if (verified && (await domainVerifiedElsewhere(trx, name, org.id))) throw takenElsewhere();
      const values: OrganizationDomainRow = {
        id,
        organization_id: org.id,
        name,
        enrollment_mode: mode,
        verification_status: verified ? 'verified' : 'unverified',
        verification_strategy: verified ? 'admin' : null,
        affiliation_email_address: null,
        verification_id: null,
        verified_at: verified ? now : null,
        created_at: now,
        updated_at: now,
      };
      // Under the organization's lock, so the same name cannot be added twice at once.
      if (await findOrganizationDomainByName(trx, org.id, name)) {
        throw new GatehouseError('duplicate_record', { meta: { param_name: 'name' }, longMessage: 'The organization already has this domain.' });
      }
      await insertOrganizationDomain(trx, values);
      await recordDomainChange(ctx, trx, 'organizationDomain.created', id, org.id);
      return values;
    }),
  );
  return toDomain(ctx, ctx.store.db, row);
}

export interface DomainListQuery {
  verified?: boolean | undefined;
  enrollmentModes?: readonly DomainEnrollmentMode[] | undefined;
  limit: number;
  offset: number;
}

export async function listOrganizationDomains(ctx: DomainContext, organizationId: string, q: DomainListQuery): Promise<Page<OrganizationDomain>> {
  const org = await requireOrganizationRow(ctx.store.db, organizationId);
  return pageOfDomains(ctx, { organizationId: org.id, ...q });
}

/** Domains across the instance (`GET /v1/organization_domains`), optionally of one organization or named ones. */
export async function listInstanceDomains(ctx: DomainContext, q: DomainListQuery & { organizationId?: string | undefined; names?: readonly string[] | undefined }): Promise<Page<OrganizationDomain>> {
  return pageOfDomains(ctx, q);
}

async function pageOfDomains(ctx: DomainContext, q: DomainListQuery & { organizationId?: string | undefined; names?: readonly string[] | undefined }): Promise<Page<OrganizationDomain>> {
  const { rows, total } = await listOrganizationDomainRows(ctx.store.db, {
    ...(q.organizationId ? { organizationId: q.organizationId } : {}),
    ...(q.verified !== undefined ? { verified: q.verified } : {}),
    ...(q.enrollmentModes ? { enrollmentModes: q.enrollmentModes } : {}),
    ...(q.names ? { names: q.names } : {}),
    limit: q.limit,
    offset: q.offset,
  });
  return { items: await toDomains(ctx, ctx.store.db, rows), totalCount: total };
}

export async function getOrganizationDomain(ctx: DomainContext, organizationId: string, domainId: string): Promise<OrganizationDomain> {
  const org = await requireOrganizationRow(ctx.store.db, organizationId);
  return toDomain(ctx, ctx.store.db, await requireDomainRow(ctx.store.db, org.id, domainId));
}

function unverifiedMode(): GatehouseError {
  return paramError('form_param_value_invalid', 'enrollment_mode', 'Only a verified domain can invite or suggest automatically; verify it first.');
}

export interface UpdateDomainInput {
  enrollmentMode?: DomainEnrollmentMode | undefined;
  /** Leaving a mode, also withdraw what it made that is still pending: automatic invitations, or suggestions. */
  deletePending?: boolean | undefined;
  /** Backend API only. */
  verified?: boolean | undefined;
}

/** Changes the enrollment mode (automatic ones need a verified domain), or, from the Backend API, the verification. */
export async function updateOrganizationDomain(ctx: DomainContext, organizationId: string, domainId: string, input: UpdateDomainInput): Promise<OrganizationDomain> {
  const now = ctx.now();
  const id = await withVerifiedConflicts(() =>
    ctx.store.transaction(async (trx) => {
      const org = await lockOrganizationRow(trx, ctx.store.dialect, (await requireOrganizationRow(trx, organizationId)).id);
      const row = await requireDomainRow(trx, org.id, domainId);
      const verified = input.verified ?? row.verification_status === 'verified';
      const mode = input.enrollmentMode ?? (verified ? row.enrollment_mode : 'manual_invitation');
      if (!verified && mode !== 'manual_invitation') throw unverifiedMode();
      if (verified && row.verification_status !== 'verified' && (await domainVerifiedElsewhere(trx, row.name, org.id))) throw takenElsewhere();
      await updateOrganizationDomainRow(trx, row.id, {
        enrollment_mode: mode,
        ...(input.verified === undefined
          ? {}
          : input.verified
            ? row.verification_status === 'verified'
              ? {}
              : { verification_status: 'verified', verification_strategy: 'admin', verified_at: now, verification_id: null }
            : { verification_status: 'unverified', verification_strategy: null, verified_at: null, verification_id: null }),
        updated_at: now,
      });
      if (input.deletePending && mode !== row.enrollment_mode) {
        if (row.enrollment_mode === 'automatic_invitation') await revokeOrganizationInvitationsIn(ctx, trx, org.id, await listPendingDomainInvitationIds(trx, org.id, row.name, now), now);
        if (row.enrollment_mode === 'automatic_suggestion') await deletePendingDomainSuggestions(trx, org.id, row.name);
      }
      await recordDomainChange(ctx, trx, 'organizationDomain.updated', row.id, org.id);
      return row.id;
    }),
  );
  return getOrganizationDomain(ctx, organizationId, id);
}

export async function deleteOrganizationDomain(ctx: DomainContext, organizationId: string, domainId: string): Promise<{ object: 'organization_domain'; id: string; deleted: true }> {
  return ctx.store.transaction(async (trx) => {
    const org = await lockOrganizationRow(trx, ctx.store.dialect, (await requireOrganizationRow(trx, organizationId)).id);
    const row = await requireDomainRow(trx, org.id, domainId);
    await deleteOrganizationDomainRow(trx, row.id);
    const deleted = { object: 'organization_domain' as const, id: row.id, deleted: true as const };
    await appendEvent(trx, { type: 'organizationDomain.deleted', data: eventData('organizationDomain.deleted', deleted), subjectOrganizationId: org.id }, ctx.now());
    return deleted;
  });
}

/** Who proves an address at the domain: the signed-in admin, in their browser. */
export interface DomainVerifier {
  userId: string;
  clientId: string;
}

/** Sends a code to an address at the domain; whoever reads it there vouches that the organization belongs to the domain. */
export async function prepareDomainAffiliation(ctx: DomainContext, verifier: DomainVerifier, organizationId: string, domainId: string, address: string): Promise<OrganizationDomain> {
  const org = await requireOrganizationRow(ctx.store.db, organizationId);
  const row = await requireDomainRow(ctx.store.db, org.id, domainId);
  if (row.verification_status === 'verified') throw new GatehouseError('verification_already_verified', { meta: { param_name: 'code' } });
  const email = parseEmailAddress(address, 'affiliation_email_address');
  if (email.slice(email.lastIndexOf('@') + 1) !== row.name) {
    throw paramError('form_param_value_invalid', 'affiliation_email_address', `affiliation_email_address must be an address at ${row.name}.`);
  }
  const verificationId = await sendEmailCode(ctx, { clientId: verifier.clientId, strategy: 'email_code', to: email, emailAddressId: null, userId: verifier.userId, purpose: 'verify' });
  await updateOrganizationDomainRow(ctx.store.db, row.id, { affiliation_email_address: email, verification_id: verificationId, updated_at: ctx.now() });
  return getOrganizationDomain(ctx, org.id, row.id);
}

/** Checks the code; right, the domain is verified for this organization (unless another verified it first). */
export async function attemptDomainAffiliation(ctx: DomainContext, verifier: DomainVerifier, organizationId: string, domainId: string, code: string): Promise<OrganizationDomain> {
  const org = await requireOrganizationRow(ctx.store.db, organizationId);
  const row = await requireDomainRow(ctx.store.db, org.id, domainId);
  if (row.verification_status === 'verified') throw new GatehouseError('verification_already_verified', { meta: { param_name: 'code' } });
  await checkEmailCode(ctx, { verificationId: row.verification_id, strategy: 'email_code', code, userId: verifier.userId });
  const now = ctx.now();
  await withVerifiedConflicts(() =>
    ctx.store.transaction(async (trx) => {
      const current = await requireDomainRow(trx, org.id, row.id);
      // The code proved the address it was sent to; a later prepare to another address voids it.
      if (current.verification_id !== row.verification_id) throw new GatehouseError('verification_missing', { meta: { strategy: 'email_code' } });
      if (await domainVerifiedElsewhere(trx, current.name, org.id)) throw takenElsewhere();
      await updateOrganizationDomainRow(trx, current.id, { verification_status: 'verified', verification_strategy: 'email_code', verified_at: now, updated_at: now });
      await recordDomainChange(ctx, trx, 'organizationDomain.updated', current.id, org.id);
    }),
  );
  return getOrganizationDomain(ctx, org.id, row.id);
}
