/**
 * Password acceptance policy for set/change (NIST 800-63B §3.1.1 / §5.1.1, ASVS V6.2; requirements
 * R1–R4 and R7 in security-requirements.md).
 *
 * No composition rules ("one digit, one symbol…"): NIST forbids them. Instead a password is
 * refused only when it is too short/long or predictably guessable: on the breached list, a walk
 * or repetition, or a context word dressed up with digits and symbols. Each refusal carries a
 * machine-readable `reason` because NIST requires telling the user why.
 *
 * Checking never logs or echoes the password; errors carry only codes and numbers.
 */
import { GatehouseError } from '../../errors.js';
import { isCommonPassword } from './common-passwords.js';
import { codePoints, countRuns, distinctCount, repeatedBlock } from './weak-patterns.js';

export interface PasswordPolicy {
  /** Minimum length in Unicode code points after NFKC. */
  minLength: number;
  /** Maximum length in Unicode code points after NFKC. */
  maxLength: number;
}

/**
 * 8 is the NIST floor when a second factor is mandatory; accounts that rely on the password alone
 * should pass `{ minLength: 15 }` (NIST 800-63B rev 4, R1). 256 is well above NIST's "permit at
 * least 64" so passphrases and password-manager output always fit.
 */
export const DEFAULT_PASSWORD_POLICY: Readonly<PasswordPolicy> = Object.freeze({ minLength: 8, maxLength: 256 });

/**
 * Hard cap on raw input, in UTF-8 bytes, checked before anything else (R7): normalization and
 * hashing cost grows with input, so a megabyte "password" is refused after a length comparison.
 * 1024 bytes still admits 256 code points of 4-byte emoji.
 */
export const PASSWORD_MAX_BYTES = 1024;

export interface PasswordContext {
  emailAddresses?: string[];
  username?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  applicationName?: string;
}

export type PasswordRejectionReason = 'common' | 'context' | 'repetitive';

/** Words that are context for every user of every deployment. */
export const BUILTIN_CONTEXT_WORDS: readonly string[] = ['gatehouse'];

/**
 * Context words shorter than this are ignored: a first name like "Al" or "Bo" occurs inside
 * countless unrelated words, and a 3-letter fragment is guessed by brute force anyway.
 */
export const MIN_CONTEXT_WORD_LENGTH = 4;

/**
 * After deleting every context word, a password needs at least this many letters left or it is
 * "essentially the context word". Digits and symbols do not count: cracking rules append years
 * and `!` to names mechanically, so `alice2025!!` is one guess per rule, not a strong secret.
 * Four letters is the smallest remainder that can hold a real word, so `alice likes green tea`
 * passes (13 letters left) while `alicesmith2025!` (0 left) and `alice-xyz1` (3 left) do not.
 */
export const MIN_LETTERS_BESIDES_CONTEXT = 4;

/** Shortest letter core that the "common password plus decorations" rule looks at. */
const MIN_CORE_LENGTH = 4;

/**
 * Run limits (see weak-patterns.ts): one or two walks/repeats is weak at any length, and so is a
 * longer password whose runs average 4+ characters (`qwerty12345!`, `abcd9876wxyz!@#$`). Natural
 * language and random strings break into runs of 1–2 characters, far below that.
 */
const MAX_WEAK_RUNS = 2;
const MIN_AVERAGE_RUN_LENGTH = 4;

/** Fewer distinct characters than this (`1010101010`, `aaabbbaaa`) is repetitive. */
const MIN_DISTINCT_CHARACTERS = 4;

/** Bounds on how much user-supplied context we scan, so a user with 10k emails cannot slow us. */
const MAX_CONTEXT_SOURCE_LENGTH = 256;
const MAX_EMAILS_CONSIDERED = 20;

const LONG_MESSAGES: Record<PasswordRejectionReason, string> = {
  common:
    'Given password is not strong enough: it is a commonly used password with only digits or symbols added. Please choose a less predictable password.',
  context:
    'Given password is not strong enough: it contains your name, email address, username or the application name.',
  repetitive:
    'Given password is not strong enough: it consists of repeated or sequential characters such as "aaaa", "1234" or "qwerty".',
};

/**
 * The one Unicode normalization (NFKC) applied at set and at verify (R2), so that e.g. fullwidth
 * or ligature forms typed on another device still match. Hash and verify the returned string.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/**
 * Cheap size gate for every path that receives a password, including sign-in where the full
 * policy must not run (older passwords may predate it). Safe to call on hostile input: it never
 * walks a string longer than the cap.
 */
export function checkPasswordInputSize(password: string, policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY): void {
  // Every UTF-16 unit encodes to at least one UTF-8 byte, so this comparison alone rejects
  // oversized input without scanning it; only short strings are measured exactly.
  if (password.length > PASSWORD_MAX_BYTES || Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
    throw lengthError('form_password_length_too_long', policy);
  }
}

/** Throws a `GatehouseError` explaining why `password` may not be set; returns if acceptable. */
export function checkPassword(
  password: string,
  context: PasswordContext,
  policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
): void {
  checkPasswordInputSize(password, policy);
  // An unpaired surrogate cannot be encoded as UTF-8; hashing would silently turn every such
  // password into U+FFFD and make different passwords collide.
  if (/\p{Cs}/u.test(password)) {
    throw new GatehouseError('form_param_format_invalid', {
      meta: { param_name: 'password' },
      longMessage: 'password contains invalid Unicode (an unpaired surrogate).',
    });
  }

  const normalized = normalizePassword(password);
  const cps = codePoints(normalized);
  if (cps.length < policy.minLength) throw lengthError('form_password_length_too_short', policy);
  if (cps.length > policy.maxLength) throw lengthError('form_password_length_too_long', policy);

  // Case never adds meaningful strength against a list or a walk, so all guessability checks
  // look at the lower-cased form. (The password itself is still hashed case-sensitively.)
  const lower = normalized.toLowerCase();
  if (isCommonPassword(lower)) {
    throw new GatehouseError('form_password_pwned', { meta: { param_name: 'password', reason: 'common' } });
  }
  const reason = contextRejection(lower, context) ?? guessabilityRejection(codePoints(lower), policy);
  if (reason) {
    throw new GatehouseError('form_password_not_strong_enough', {
      meta: { param_name: 'password', reason },
      longMessage: LONG_MESSAGES[reason],
    });
  }
}

function lengthError(
  code: 'form_password_length_too_short' | 'form_password_length_too_long',
  policy: PasswordPolicy,
): GatehouseError {
  return new GatehouseError(code, {
    meta: { param_name: 'password', min_length: policy.minLength, max_length: policy.maxLength },
  });
}

// ---------------------------------------------------------------------------------------------
// Repetitive, sequential and decorated-common passwords

function guessabilityRejection(cps: readonly string[], policy: PasswordPolicy): PasswordRejectionReason | null {
  if (distinctCount(cps) < MIN_DISTINCT_CHARACTERS) return 'repetitive';
  if (isMostlyRuns(cps, MAX_WEAK_RUNS)) return 'repetitive';
  const whole = blockRejection(cps, policy);
  if (whole) return whole;

  // The "core" is the password without leading/trailing non-letters. Attack rules prepend and
  // append digits and symbols to dictionary words wholesale, so `Dragon2025!` or `!!abcdefgh99`
  // are only as strong as `dragon` / `abcdefgh`. The core gets fewer checks than the whole
  // string: in a random password a short core (`hh6t` in `1828hh6t`) is often repetitive by
  // chance, so only "a known word", "one walk" and "a repeated known word" count here.
  const core = letterCore(cps);
  if (core.length < MIN_CORE_LENGTH || core.length === cps.length) return null;
  if (isCommonPassword(core.join(''))) return 'common';
  if (isMostlyRuns(core, 1)) return 'repetitive';
  // Only a core that is itself policy-length is judged by its block (`abcabcabc123`); shorter
  // periodic cores (`dada`) turn up in random strings too often.
  return core.length >= policy.minLength ? blockRejection(core, policy) : null;
}

/** At most `minRuns` walks, or walks averaging `MIN_AVERAGE_RUN_LENGTH`+ characters each. */
function isMostlyRuns(cps: readonly string[], minRuns: number): boolean {
  const limit = Math.max(minRuns, Math.floor(cps.length / MIN_AVERAGE_RUN_LENGTH));
  return countRuns(cps, limit) <= limit;
}

/** Repeating a block (`monkeymonkey`, `x7k!x7k!x7k!`) adds length, not secrecy: judge the block. */
function blockRejection(cps: readonly string[], policy: PasswordPolicy): PasswordRejectionReason | null {
  const block = repeatedBlock(cps);
  if (!block) return null;
  if (isCommonPassword(block.join(''))) return 'common';
  return block.length < policy.minLength ? 'repetitive' : null;
}

const LETTER = /^\p{L}$/u;

function letterCore(cps: readonly string[]): readonly string[] {
  let start = 0;
  let end = cps.length;
  while (start < end && !LETTER.test(cps[start]!)) start++;
  while (end > start && !LETTER.test(cps[end - 1]!)) end--;
  return cps.slice(start, end);
}

// ---------------------------------------------------------------------------------------------
// Context words (NIST: "context-specific words, such as the name of the service, the username")

function contextRejection(lowerPassword: string, context: PasswordContext): PasswordRejectionReason | null {
  const words = contextWords(context);
  let remaining = fold(lowerPassword);
  let found = false;
  for (const word of words) {
    if (!remaining.includes(word)) continue;
    found = true;
    // Replace with a space rather than nothing so removal cannot splice two halves into a new
    // match, and so the letters count below only sees what the user added.
    remaining = remaining.replaceAll(word, ' ');
  }
  return found && countLetters(remaining) < MIN_LETTERS_BESIDES_CONTEXT ? 'context' : null;
}

/**
 * Context words, folded, de-duplicated and longest first (so `alicesmith` is removed before
 * `alice` would leave `smith` behind). Each source contributes its separator-split pieces and its
 * pieces joined (`alice.smith` → `alice`, `smith`, `alicesmith`), so `Alice.Smith99` and
 * `alicesmith2025` both match a user whose email is alice.smith@….
 */
function contextWords(context: PasswordContext): string[] {
  const sources: string[] = [...BUILTIN_CONTEXT_WORDS];
  for (const email of (context.emailAddresses ?? []).slice(0, MAX_EMAILS_CONSIDERED)) {
    const at = email.lastIndexOf('@');
    sources.push(at >= 0 ? email.slice(0, at) : email);
    // The domain's labels without the TLD: the organisation's name is context too (`acme2025!`).
    if (at >= 0) sources.push(...email.slice(at + 1).split('.').slice(0, -1));
  }
  for (const value of [context.username, context.firstName, context.lastName, context.applicationName]) {
    if (value) sources.push(value);
  }
  if (context.firstName && context.lastName) sources.push(`${context.firstName} ${context.lastName}`);

  const words = new Set<string>();
  for (const source of sources) {
    const pieces = fold(source.slice(0, MAX_CONTEXT_SOURCE_LENGTH))
      .split(/[^\p{L}\p{N}]+/u)
      .filter((piece) => piece.length > 0);
    for (const word of [...pieces, pieces.join('')]) {
      if (codePoints(word).length >= MIN_CONTEXT_WORD_LENGTH) words.add(word);
    }
  }
  return [...words].sort((a, b) => b.length - a.length);
}

/**
 * Comparison form for context matching: compatibility-decomposed, accents dropped, recomposed,
 * lower-cased, so `José` in a profile matches `jose` in a password and vice versa.
 */
function fold(value: string): string {
  return value.normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFC').toLowerCase();
}

function countLetters(value: string): number {
  return value.match(/\p{L}/gu)?.length ?? 0;
}
