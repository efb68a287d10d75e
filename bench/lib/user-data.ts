/**
 * The synthetic user population the users bench seeds, generated in memory first so the bench
 * knows the right answer to every request it sends (expected match counts, the nth-newest user).
 * A seeded PRNG keeps the data set the same from run to run; only ids and timestamps move.
 */
import { newId } from '../../packages/server/src/crypto/ids.js';
import { parsePhoneNumber } from '../../packages/server/src/domain/users/identifiers.js';

const FIRST_NAMES = [
  'Ada', 'Alan', 'Amara', 'Andre', 'Anika', 'Aria', 'Benito', 'Bianca', 'Carlos', 'Chen', 'Chiara', 'Dmitri',
  'Elena', 'Emeka', 'Esther', 'Farah', 'Felix', 'Grace', 'Hana', 'Hugo', 'Ingrid', 'Isaac', 'Jamal', 'Jonas',
  'Kai', 'Keiko', 'Lars', 'Leila', 'Lucia', 'Malik', 'Marta', 'Mateo', 'Mei', 'Nadia', 'Niamh', 'Oscar',
  'Priya', 'Quentin', 'Rafael', 'Rosa', 'Sanjay', 'Sofia', 'Tariq', 'Thea', 'Umar', 'Valeria', 'Wen', 'Yusuf',
  'Zara', 'Zoltan',
];

const LAST_NAMES = [
  'Abara', 'Bauer', 'Castillo', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Haddad', 'Ivanova', 'Jensen',
  'Kowalski', 'Larsen', 'Moreau', 'Nakamura', 'Okafor', 'Petrov', 'Quinn', 'Rossi', 'Schmidt', 'Tanaka',
  'Ueda', 'Varga', 'Wagner', 'Xu', 'Yamamoto', 'Zhang', 'Novak', 'Silva', 'Kim', 'Nguyen', 'Patel', 'Cohen',
  'Murphy', 'Horvat', 'Lindqvist', 'Mendes', 'Oyelaran', 'Popescu', 'Romero', 'Sato', 'Takahashi', 'Van Dijk',
  'Walsh', 'Yilmaz', 'Zielinski', 'Ahmed', 'Brennan', "O'Neill", 'Costa', 'Dalton',
];

const WORDS = [
  'amber', 'birch', 'cobalt', 'delta', 'ember', 'fjord', 'garnet', 'harbor', 'indigo', 'juniper', 'kestrel',
  'lumen', 'maple', 'nectar', 'onyx', 'pebble', 'quartz', 'raven', 'sierra', 'tundra', 'umbra', 'velvet',
  'willow', 'yonder', 'zephyr',
];

const DOMAINS = ['example.com', 'example.org', 'mail.test', 'acme.io', 'corp.example', 'inbox.dev', 'post.example.net', 'uni.edu'];

// US numbers: 8 area codes × 4 exchanges × 10,000 lines = 320,000 distinct phone numbers.
const AREA_CODES = ['415', '628', '650', '510', '408', '925', '707', '212'];
const EXCHANGES = ['555', '234', '367', '482'];
const MAX_PHONES = AREA_CODES.length * EXCHANGES.length * 10_000;

export interface SeedUser {
  id: string;
  createdAt: number;
  firstName: string;
  lastName: string;
  username: string | null;
  email: string;
  emailId: string;
  phone: string | null;
  phoneId: string | null;
  /** Exactly what `refreshUserSearch` would store for this user. */
  searchText: string;
}

/** mulberry32: tiny, fast, seedable; quality is ample for picking names. Not for secrets. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function pick<T>(items: readonly T[], random: () => number): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

function slug(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function phoneFor(k: number): string {
  const area = AREA_CODES[k % AREA_CODES.length];
  const exchange = EXCHANGES[Math.floor(k / AREA_CODES.length) % EXCHANGES.length];
  const line = Math.floor(k / (AREA_CODES.length * EXCHANGES.length));
  return `+1${area}${exchange}${String(line).padStart(4, '0')}`;
}

/**
 * Mirrors `refreshUserSearch` in store/repositories/user-repository.ts part for part; the bench
 * checks a sample against the real function after seeding, so drift there fails loudly here.
 */
function searchTextFor(u: Omit<SeedUser, 'searchText' | 'createdAt' | 'emailId' | 'phoneId'>): string {
  const parts = [
    u.id,
    u.username,
    u.firstName,
    u.lastName,
    u.firstName && u.lastName ? `${u.firstName} ${u.lastName}` : null,
    u.email,
    ...(u.phone ? [u.phone, u.phone.replace(/^\+/, '')] : []),
  ];
  return parts
    .filter((p): p is string => typeof p === 'string' && p.length > 0)
    .join(' | ')
    .toLowerCase();
}

/** Every (area, exchange) pair must be a number the server itself would accept on create. */
export function assertPhonesValid(): void {
  for (let k = 0; k < AREA_CODES.length * EXCHANGES.length; k++) {
    const phone = phoneFor(k + 4321 * AREA_CODES.length * EXCHANGES.length);
    if (parsePhoneNumber(phone) !== phone) throw new Error(`generated phone ${phone} is not canonical E.164`);
  }
}

export interface GenerateOptions {
  count: number;
  /** Newest user's created_at; users are spread evenly (with jitter) over the year before it. */
  newestAt: number;
  seed?: number;
}

export function generateUsers({ count, newestAt, seed = 20_250_101 }: GenerateOptions): SeedUser[] {
  const random = seededRandom(seed);
  const step = Math.max(2, Math.floor((365 * 24 * 3600 * 1000) / count));
  const oldestAt = newestAt - count * step;
  const users: SeedUser[] = [];
  let phones = 0;
  for (let n = 0; n < count; n++) {
    // Strictly increasing: each user gets its own step-wide slot, jittered inside it.
    const createdAt = oldestAt + n * step + Math.floor(random() * (step - 1));
    const firstName = pick(FIRST_NAMES, random);
    const lastName = pick(LAST_NAMES, random);
    const first = slug(firstName);
    const last = slug(lastName);
    const domain = pick(DOMAINS, random);
    // Four local-part shapes; every one embeds n in a position no other shape can imitate, so
    // addresses are unique without a lookup.
    const shape = Math.floor(random() * 4);
    const local =
      shape === 0 ? `${first}.${last}${n}` : shape === 1 ? `user${n}.${pick(WORDS, random)}` : shape === 2 ? `${first}${n}` : `${first.slice(0, 1)}${last}.${n}`;
    const username = random() < 0.5 ? (random() < 0.5 ? `${first}_${last}${n}` : `${first}${n}x`) : null;
    let phone: string | null = null;
    if (random() < 0.5) {
      if (phones >= MAX_PHONES) throw new Error(`at most ${MAX_PHONES} phone numbers can be generated`);
      phone = phoneFor(phones++);
    }
    const id = newId('user', createdAt);
    const base = { id, firstName, lastName, username, email: `${local}@${domain}`, phone };
    users.push({
      ...base,
      createdAt,
      emailId: newId('idn', createdAt),
      phoneId: phone ? newId('idn', createdAt) : null,
      searchText: searchTextFor(base),
    });
  }
  return users;
}

/** Words for create-user passphrases: none is a name, a domain label or a common password. */
export const PASSPHRASE_WORDS = [
  'lantern', 'violet', 'drift', 'harbor', 'copper', 'meadow', 'thistle', 'glacier', 'saffron', 'orbit', 'pewter',
  'marble', 'canyon', 'quiver', 'tangent', 'bramble', 'cinder', 'falcon', 'gossamer', 'hollow', 'ivory', 'jasper',
  'kelp', 'lattice', 'mosaic', 'nimbus', 'opal', 'prairie', 'ripple', 'sorrel', 'timber', 'urchin',
];

export { FIRST_NAMES, LAST_NAMES };
