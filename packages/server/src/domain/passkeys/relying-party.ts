import type { DomainContext } from '../context.js';

/**
 * Who passkeys are made for: the relying party is the public URL's host, and a ceremony is
 * accepted only from an allowed origin on that host or under it (an app on `app.example.com` with
 * Gatehouse on `auth.example.com` shares a parent only if the public URL is that parent).
 */
export interface RelyingParty {
  id: string;
  name: string;
  origins: string[];
}

export function relyingParty(ctx: DomainContext): RelyingParty {
  const id = ctx.publicUrl.hostname;
  const origins = ctx.allowedOrigins().filter((origin) => {
    const host = new URL(origin).hostname;
    return host === id || host.endsWith(`.${id}`);
  });
  return { id, name: ctx.policy.applicationName, origins };
}
