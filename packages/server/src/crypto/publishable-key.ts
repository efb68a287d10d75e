/**
 * Clerk's publishable key: `pk_live_` + base64(`<frontend host>[:port]$`) without padding. Clerk's
 * SDKs decode it to find the Frontend API host, and reject it unless that host contains a dot.
 */
export function publishableKeyFor(publicUrl: URL): string {
  const encoded = Buffer.from(`${publicUrl.host}$`, 'utf8').toString('base64').replace(/=+$/, '');
  return `pk_live_${encoded}`;
}

export function hostIsUsableByClerkSdks(publicUrl: URL): boolean {
  return publicUrl.hostname.includes('.');
}
