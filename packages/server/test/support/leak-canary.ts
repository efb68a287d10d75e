import { decodeJwt, decodeProtectedHeader } from 'jose';

/**
 * Private metadata planted by tests carries this marker, and no Frontend API reply (nor any token
 * in one) may ever contain it: every reply the test clients receive is searched.
 */
export const LEAK_CANARY = 'gh-private-canary';

/** A private value to plant on a user, organization, membership or invitation. */
export function canary(label: string): string {
  return `${LEAK_CANARY}-${label}`;
}

const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*/g;

/** Where in a reply's text (or a token within it) the canary shows, or undefined when nowhere. */
export function canaryLeak(text: string): string | undefined {
  if (text.includes(LEAK_CANARY)) return `reply text: …${text.slice(Math.max(0, text.indexOf(LEAK_CANARY) - 120), text.indexOf(LEAK_CANARY) + 60)}…`;
  return canaryInTokens(text);
}

/**
 * Where in the tokens a reply carries the canary shows: for Backend API replies, which rightly
 * carry private metadata themselves. Tokens inside tokens (the handshake's cookies) are opened too.
 */
export function canaryInTokens(text: string, depth = 0): string | undefined {
  for (const jwt of text.match(JWT) ?? []) {
    try {
      const decoded = JSON.stringify([decodeProtectedHeader(jwt), decodeJwt(jwt)]);
      if (decoded.includes(LEAK_CANARY)) return `token claims: ${decoded}`;
      const nested = depth < 3 ? canaryInTokens(decoded, depth + 1) : undefined;
      if (nested) return nested;
    } catch {
      // Not a token after all.
    }
  }
  return undefined;
}
