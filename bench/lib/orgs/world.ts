/** The organization population, built in memory first so every request's right answer is known. */
import { newId } from '../../../packages/server/src/crypto/ids.js';
import { pick, seededRandom, type SeedUser } from '../user-data.js';

export const USERS = 11_000;
export const BIG_ORG_MEMBERS = 10_000;
export const HUB_ORGS = 1_000;
/** Members of each hub organization besides the hub user. */
const OTHERS_PER_HUB_ORG = 3;

type RoleId = 'role_admin' | 'role_member';

interface SeedOrg {
  id: string;
  name: string;
  slug: string;
  createdBy: string;
  createdAt: number;
}

interface SeedMembership {
  id: string;
  orgId: string;
  userId: string;
  roleId: RoleId;
  createdAt: number;
}

export interface OrgWorld {
  bigOrg: SeedOrg;
  /** The big organization's memberships, oldest first. */
  bigMembers: SeedMembership[];
  hub: SeedUser;
  /** The organizations the hub user belongs to, oldest first. */
  hubOrgs: SeedOrg[];
  /** The hub user's own memberships, oldest first. */
  hubMemberships: SeedMembership[];
  orgs: SeedOrg[];
  memberships: SeedMembership[];
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Exported, with seedOrganizations, so a plan can be reproduced by hand on the same data. */
export function buildWorld(users: readonly SeedUser[], startAt: number): OrgWorld {
  const random = seededRandom(31);
  // One clock for every organization and membership: strictly increasing, so created_at values
  // are all distinct and the default `-created_at` order has exactly one right answer.
  let clock = startAt;
  const tick = () => (clock += 2 + Math.floor(random() * 5));
  const hub = users[users.length - 1];
  if (!hub) throw new Error('no users');
  const orgs: SeedOrg[] = [];
  const memberships: SeedMembership[] = [];
  const member = (org: SeedOrg, userId: string, roleId: RoleId): SeedMembership => {
    const createdAt = tick();
    const m = { id: newId('orgmem', createdAt), orgId: org.id, userId, roleId, createdAt };
    memberships.push(m);
    return m;
  };
  const organization = (name: string, slug: string, createdBy: string): SeedOrg => {
    const createdAt = tick();
    const org = { id: newId('org', createdAt), name, slug, createdBy, createdAt };
    orgs.push(org);
    return org;
  };

  // The big organization: the first BIG_ORG_MEMBERS users join in shuffled order, so membership
  // order is unrelated to user order (and to user ids); the creator is its one admin.
  const joiners = shuffle(users.slice(0, BIG_ORG_MEMBERS), random);
  const creator = joiners[0];
  if (!creator) throw new Error('no users for the big organization');
  const bigOrg = organization('Big Org', 'big-org', creator.id);
  const bigMembers = joiners.map((u, i) => member(bigOrg, u.id, i === 0 ? 'role_admin' : 'role_member'));

  // The hub organizations: each made by one user with a few others, from anyone but the hub.
  const others = users.slice(0, users.length - 1);
  const hubOrgs: SeedOrg[] = [];
  for (let i = 0; i < HUB_ORGS; i++) {
    const chosen = new Set<SeedUser>();
    while (chosen.size < OTHERS_PER_HUB_ORG) chosen.add(pick(others, random));
    const [first, ...rest] = [...chosen];
    if (!first) throw new Error('unreachable: no members chosen');
    const org = organization(`Team ${String(i + 1).padStart(4, '0')}`, `team-${String(i + 1).padStart(4, '0')}`, first.id);
    member(org, first.id, 'role_admin');
    for (const u of rest) member(org, u.id, 'role_member');
    hubOrgs.push(org);
  }
  // The hub user joins later, in an order unrelated to creation, so "their memberships by
  // created_at" and "their organizations by created_at" are two different answers.
  const hubMemberships = shuffle(hubOrgs, random).map((org, i) => member(org, hub.id, i % 10 === 0 ? 'role_admin' : 'role_member'));
  return { bigOrg, bigMembers, hub, hubOrgs, hubMemberships, orgs, memberships };
}
