import { sql, type Selectable, type Updateable } from 'kysely';
import type { Executor } from '../db.js';
import { inList } from '../in-list.js';
import { pageWithTotal, type PageRequest, type RowsWithTotal } from '../paging.js';
import type { DomainEnrollmentMode, OrganizationDomainTable, OrganizationMembershipRequestTable, OrganizationSuggestionTable } from '../schema.js';

export type OrganizationDomainRow = Selectable<OrganizationDomainTable>;
export type OrganizationSuggestionRow = Selectable<OrganizationSuggestionTable>;
export type MembershipRequestRow = Selectable<OrganizationMembershipRequestTable>;

// ---- domains ----

export async function insertOrganizationDomain(db: Executor, row: OrganizationDomainRow): Promise<void> {
  await db.insertInto('organization_domains').values(row).execute();
}

export async function findOrganizationDomainRow(db: Executor, organizationId: string, id: string): Promise<OrganizationDomainRow | undefined> {
  return db.selectFrom('organization_domains').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
}

export async function findOrganizationDomainByName(db: Executor, organizationId: string, name: string): Promise<OrganizationDomainRow | undefined> {
  return db.selectFrom('organization_domains').selectAll().where('organization_id', '=', organizationId).where('name', '=', name).executeTakeFirst();
}

export async function updateOrganizationDomainRow(db: Executor, id: string, patch: Updateable<OrganizationDomainTable>): Promise<void> {
  await db.updateTable('organization_domains').set(patch).where('id', '=', id).execute();
}

export async function deleteOrganizationDomainRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('organization_domains').where('id', '=', id).execute();
}

/** Whether another organization has verified this domain. */
export async function domainVerifiedElsewhere(db: Executor, name: string, organizationId: string): Promise<boolean> {
  const row = await db.selectFrom('organization_domains').select('id').where('name', '=', name).where('verification_status', '=', 'verified').where('organization_id', '!=', organizationId).executeTakeFirst();
  return row !== undefined;
}

export interface DomainRowQuery extends PageRequest {
  organizationId?: string;
  verified?: boolean;
  enrollmentModes?: readonly DomainEnrollmentMode[];
  names?: readonly string[];
}

export async function listOrganizationDomainRows(db: Executor, q: DomainRowQuery): Promise<RowsWithTotal<OrganizationDomainRow>> {
  let filtered = db.selectFrom('organization_domains');
  if (q.organizationId) filtered = filtered.where('organization_id', '=', q.organizationId);
  if (q.verified !== undefined) filtered = filtered.where('verification_status', q.verified ? '=' : '!=', 'verified');
  if (q.enrollmentModes?.length) filtered = filtered.where('enrollment_mode', 'in', [...q.enrollmentModes]);
  if (q.names?.length) filtered = filtered.where('name', 'in', inList(q.names));
  return pageWithTotal(filtered, (query) => query.selectAll().orderBy('created_at').orderBy('id'), q);
}

/** Verified domains among `names`, in the given enrollment mode: where a person with an address there may be enrolled. */
export async function listVerifiedDomainsNamed(db: Executor, names: readonly string[], mode: DomainEnrollmentMode): Promise<OrganizationDomainRow[]> {
  if (names.length === 0) return [];
  return db.selectFrom('organization_domains').selectAll().where('name', 'in', inList(names)).where('verification_status', '=', 'verified').where('enrollment_mode', '=', mode).execute();
}

/** Per domain: pending invitations to addresses at it, and pending suggestions of its organization to people with one. */
export async function countDomainPendings(db: Executor, domains: readonly OrganizationDomainRow[], now: number): Promise<Map<string, { invitations: number; suggestions: number }>> {
  const counts = new Map<string, { invitations: number; suggestions: number }>();
  for (const domain of domains) {
    const suffix = atDomain(domain.name);
    const [invitations, suggestions] = await Promise.all([
      db
        .selectFrom('organization_invitations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('organization_id', '=', domain.organization_id)
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .where(sql<boolean>`email_address like ${suffix} escape '\\'`)
        .executeTakeFirstOrThrow(),
      db
        .selectFrom('organization_suggestions as s')
        .innerJoin('email_addresses as e', 'e.user_id', 's.user_id')
        .select((eb) => eb.fn.count<number>('s.id').distinct().as('n'))
        .where('s.organization_id', '=', domain.organization_id)
        .where('s.status', '=', 'pending')
        .where('e.verification_status', '=', 'verified')
        .where(sql<boolean>`e.email_address like ${suffix} escape '\\'`)
        .executeTakeFirstOrThrow(),
    ]);
    counts.set(domain.id, { invitations: Number(invitations.n), suggestions: Number(suggestions.n) });
  }
  return counts;
}

// ---- suggestions ----

/** Adds the pending suggestions not made yet; one per person and organization, ever. */
export async function insertSuggestionsIfMissing(db: Executor, rows: readonly OrganizationSuggestionRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('organization_suggestions')
    .values([...rows])
    .onConflict((oc) => oc.columns(['organization_id', 'user_id']).doNothing())
    .execute();
}

export async function listSuggestionRows(db: Executor, userId: string, statuses: readonly OrganizationSuggestionRow['status'][], page: PageRequest): Promise<RowsWithTotal<OrganizationSuggestionRow>> {
  let filtered = db.selectFrom('organization_suggestions').where('user_id', '=', userId);
  if (statuses.length) filtered = filtered.where('status', 'in', [...statuses]);
  return pageWithTotal(filtered, (query) => query.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc'), page);
}

export async function findSuggestionRow(db: Executor, userId: string, id: string): Promise<OrganizationSuggestionRow | undefined> {
  return db.selectFrom('organization_suggestions').selectAll().where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
}

/** Marks a pending suggestion accepted; false when it no longer was pending. */
export async function acceptSuggestionRow(db: Executor, id: string, now: number): Promise<boolean> {
  const result = await db.updateTable('organization_suggestions').set({ status: 'accepted', updated_at: now }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// ---- membership requests ----

export async function insertMembershipRequest(db: Executor, row: MembershipRequestRow): Promise<void> {
  await db.insertInto('organization_membership_requests').values(row).execute();
}

export async function findMembershipRequestRow(db: Executor, organizationId: string, id: string): Promise<MembershipRequestRow | undefined> {
  return db.selectFrom('organization_membership_requests').selectAll().where('organization_id', '=', organizationId).where('id', '=', id).executeTakeFirst();
}

export async function listMembershipRequestRows(db: Executor, organizationId: string, statuses: readonly MembershipRequestRow['status'][], page: PageRequest): Promise<RowsWithTotal<MembershipRequestRow>> {
  let filtered = db.selectFrom('organization_membership_requests').where('organization_id', '=', organizationId);
  if (statuses.length) filtered = filtered.where('status', 'in', [...statuses]);
  return pageWithTotal(filtered, (query) => query.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc'), page);
}

/** Answers a pending request; false when it was answered already. */
export async function answerMembershipRequestRow(db: Executor, id: string, status: 'accepted' | 'rejected', now: number): Promise<boolean> {
  const result = await db.updateTable('organization_membership_requests').set({ status, updated_at: now }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Which of these addresses were ever invited to the organization, whatever became of the invitation. */
export async function addressesEverInvited(db: Executor, organizationId: string, emails: readonly string[]): Promise<Set<string>> {
  if (emails.length === 0) return new Set();
  const rows = await db.selectFrom('organization_invitations').select('email_address').where('organization_id', '=', organizationId).where('email_address', 'in', inList(emails)).execute();
  return new Set(rows.map((r) => r.email_address));
}

function atDomain(domain: string): string {
  return `%@${domain.replace(/[\\%_]/g, (c) => `\\${c}`)}`;
}

/** Pending invitations the domain made (no inviter) to addresses at it. */
export async function listPendingDomainInvitationIds(db: Executor, organizationId: string, domain: string, now: number): Promise<string[]> {
  const rows = await db
    .selectFrom('organization_invitations')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'pending')
    .where('expires_at', '>', now)
    .where('inviter_user_id', 'is', null)
    .where(sql<boolean>`email_address like ${atDomain(domain)} escape '\\'`)
    .execute();
  return rows.map((r) => r.id);
}

/** Drops the organization's pending suggestions to people with a verified address at the domain. */
export async function deletePendingDomainSuggestions(db: Executor, organizationId: string, domain: string): Promise<void> {
  await db
    .deleteFrom('organization_suggestions')
    .where('organization_id', '=', organizationId)
    .where('status', '=', 'pending')
    .where('user_id', 'in', (eb) =>
      eb.selectFrom('email_addresses').select('user_id').where('verification_status', '=', 'verified').where(sql<boolean>`email_address like ${atDomain(domain)} escape '\\'`),
    )
    .execute();
}
