import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { interactionPolicy } from 'oidc-provider';

/**
 * A real OpenID provider on loopback (panva's `oidc-provider`), standing in for Google or any
 * OpenID Connect provider: discovery, PKCE-checked authorization codes, signed ID tokens and
 * userinfo. There is no login form: whoever `signInAs` names is signed in (or the person refuses,
 * with `deny`), as a person clicking through the provider's pages would be.
 */
export interface StandInAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  given_name?: string;
  family_name?: string;
  picture?: string;
}

export class OidcStandIn {
  readonly accounts = new Map<string, StandInAccount>();
  private next: string | 'deny' | undefined;

  private constructor(
    readonly issuer: string,
    private readonly server: http.Server,
  ) {}

  static async start(client: { clientId: string; clientSecret: string; redirectUri: string }): Promise<OidcStandIn> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const standIn = new OidcStandIn(issuer, server);
    // The provider remembers who signed in (its own session cookie); the stand-in asks again
    // whenever it is told someone else signs in next, as a person switching accounts would.
    const policy = interactionPolicy.base();
    policy.get('login').checks.add(
      new interactionPolicy.Check('account_switch', 'another account signs in', (ctx) =>
        ctx.oidc.session?.accountId !== standIn.next ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT,
      ),
    );
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const signingKey = { ...(await exportJWK(privateKey)), kid: 'stand-in-1', alg: 'RS256', use: 'sig' };
    const provider = new Provider(issuer, {
      jwks: { keys: [signingKey] },
      clients: [{ client_id: client.clientId, client_secret: client.clientSecret, redirect_uris: [client.redirectUri], token_endpoint_auth_method: 'client_secret_post' }],
      findAccount: (_ctx: unknown, sub: string) => {
        const account = standIn.accounts.get(sub);
        return account ? { accountId: sub, claims: () => ({ ...account }) } : undefined;
      },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['given_name', 'family_name', 'picture'] },
      features: { devInteractions: { enabled: false } },
      interactions: { policy, url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
      pkce: { required: () => true },
      cookies: { keys: ['stand-in cookie key'] },
      // Quiet: the provider would otherwise render HTML error pages with stack traces for tests to read.
      renderError: (ctx: { type: string; body: string }, out: Record<string, unknown>) => {
        ctx.type = 'application/json';
        ctx.body = JSON.stringify(out);
      },
    });
    const callback = provider.callback();
    server.on('request', (req, res) => {
      if (!req.url?.startsWith('/interaction/')) return callback(req, res);
      void standIn.interact(provider, req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    return standIn;
  }

  /** The next sign-in at the provider is this account's (added to the provider if new). */
  signInAs(account: StandInAccount): void {
    this.accounts.set(account.sub, account);
    this.next = account.sub;
  }

  /** The next sign-in at the provider is refused by the person (`access_denied`). */
  deny(): void {
    this.next = 'deny';
  }

  private async interact(provider: Provider, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (this.next === 'deny') {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The person said no.' }, { mergeWithLastSubmission: false });
      return;
    }
    if (details.prompt.name === 'login') {
      if (!this.next) throw new Error('the stand-in was not told who signs in');
      await provider.interactionFinished(req, res, { login: { accountId: this.next } }, { mergeWithLastSubmission: false });
      return;
    }
    const grant = new provider.Grant({ accountId: details.session?.accountId ?? '', clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Follows a browser's redirects from `start` until one leads to `stopAt` (not followed), keeping
 * the provider's cookies on the way; returns that URL.
 */
export async function followUntil(start: string, stopAt: string, jar: Map<string, string> = new Map()): Promise<URL> {
  let url = new URL(start);
  for (let hop = 0; hop < 20; hop++) {
    if (url.href.startsWith(stopAt)) return url;
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
    const location = response.headers.get('location');
    if (!location) throw new Error(`${url.href} answered ${response.status} without a redirect: ${(await response.text()).slice(0, 300)}`);
    url = new URL(location, url);
  }
  throw new Error(`no redirect to ${stopAt} after 20 hops`);
}
