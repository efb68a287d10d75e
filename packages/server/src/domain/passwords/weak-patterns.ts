/**
 * Detectors for "repetitive or sequential" passwords (NIST 800-63B blocklist category), working on
 * an array of code points of the already normalized, lower-cased password.
 *
 * The model: people build weak passwords by walking along an ordering they know (the alphabet,
 * the digits, a keyboard row) or by holding a key down. A maximal stretch that follows one such
 * walk is a *run*; `aaaa`, `1234`, `zyxw`, `qwerty`, `7890123` are each one run. A run costs an
 * attacker only "which ordering, which start, which direction, how long" — roughly a dozen bits —
 * however long it is, so a password made of one or two runs is weak at any length.
 */

interface Ordering {
  readonly chars: string;
  /** Digits wrap (…8 9 0 1…) because people type `7890123` as one gesture. */
  readonly cyclic: boolean;
}

const ORDERINGS: readonly Ordering[] = [
  { chars: 'abcdefghijklmnopqrstuvwxyz', cyclic: false },
  { chars: '0123456789', cyclic: true },
  // Keyboard rows, US QWERTY plus the German (QWERTZ) and French (AZERTY) letter rows whose
  // walks differ. Shifted number row included: `!@#$%^&*` is a walk too.
  { chars: '`1234567890-=', cyclic: false },
  { chars: '~!@#$%^&*()_+', cyclic: false },
  { chars: 'qwertyuiop[]\\', cyclic: false },
  { chars: "asdfghjkl;'", cyclic: false },
  { chars: 'zxcvbnm,./', cyclic: false },
  { chars: 'qwertzuiop', cyclic: false },
  { chars: 'yxcvbnm', cyclic: false },
  { chars: 'azertyuiop', cyclic: false },
  { chars: 'qsdfghjklm', cyclic: false },
  { chars: 'wxcvbn', cyclic: false },
];

/** Bit 0: same character again; then two bits (forward, backward) per ordering. */
const REPEAT = 1;
const ALL_RELATIONS = (1 << (1 + 2 * ORDERINGS.length)) - 1;

/** Which walks (as a bit set) could take a person from code point `a` to code point `b`. */
function stepRelations(a: string, b: string): number {
  let mask = a === b ? REPEAT : 0;
  for (let i = 0; i < ORDERINGS.length; i++) {
    const { chars, cyclic } = ORDERINGS[i]!;
    const from = chars.indexOf(a);
    if (from < 0) continue;
    const to = chars.indexOf(b);
    if (to < 0) continue;
    const n = chars.length;
    const forward = cyclic ? (from + 1) % n : from + 1;
    const backward = cyclic ? (from - 1 + n) % n : from - 1;
    if (to === forward) mask |= 1 << (1 + 2 * i);
    if (to === backward) mask |= 1 << (2 + 2 * i);
  }
  return mask;
}

/**
 * Splits greedily into maximal runs and returns how many there are, stopping early once `limit`
 * is exceeded (callers only ask "at most N?"). A run keeps going while at least one walk explains
 * every step so far, so `12345` stays one run although digits and the keyboard row both fit.
 */
export function countRuns(cps: readonly string[], limit: number): number {
  let runs = 0;
  let i = 0;
  while (i < cps.length) {
    runs++;
    if (runs > limit) return runs;
    let candidates = ALL_RELATIONS;
    let j = i;
    while (j + 1 < cps.length) {
      const next = candidates & stepRelations(cps[j]!, cps[j + 1]!);
      if (next === 0) break;
      candidates = next;
      j++;
    }
    i = j + 1;
  }
  return runs;
}

export function distinctCount(cps: readonly string[]): number {
  return new Set(cps).size;
}

/**
 * If the string is a block repeated at least twice (the last copy may be cut short, e.g.
 * `abcabcab`), returns that block; otherwise null. Uses the KMP failure function, so it is linear
 * in the length even for hostile input.
 */
export function repeatedBlock(cps: readonly string[]): string[] | null {
  const n = cps.length;
  if (n < 2) return null;
  const fail = new Array<number>(n).fill(0);
  for (let i = 1, k = 0; i < n; i++) {
    while (k > 0 && cps[i] !== cps[k]) k = fail[k - 1]!;
    if (cps[i] === cps[k]) k++;
    fail[i] = k;
  }
  const period = n - fail[n - 1]!;
  return period * 2 <= n ? cps.slice(0, period) : null;
}

/** Code points, so every length in this module is the length a person sees. */
export function codePoints(value: string): string[] {
  return Array.from(value);
}
