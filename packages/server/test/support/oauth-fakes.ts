import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

/**
 * Providers that misbehave on request, for the attacks a real provider would never stage: an ID
 * token for another audience, from another issuer, with another nonce; a user API answering `{}`.
 * Both check PKCE as a real provider does (the code's challenge against the verifier sent).
 *
 * `FakeOidcProvider`: discovery, authorize (signs in at once), token, JWKS, userinfo.
 * `GitHubStandIn`: GitHub's OAuth (`/login/oauth/authorize`, `/login/oauth/access_token`) and its
 * user API (`/user`, `/user/emails`), which is how GitHub says who signed in.
 */
interface IssuedCode {
  challenge: string;
  nonce: string | null;
  redirectUri: string;
  clientId: string;
}

abstract class FakeServer {
  protected readonly codes = new Map<string, IssuedCode>();
  /** Token requests seen, with whether their PKCE verifier matched. */
  readonly tokenRequests: { pkce: boolean }[] = [];
  readonly refreshed: string[] = [];
  protected server = http.createServer();
  origin = '';

  protected async listen(): Promise<void> {
    this.server.on('request', (req, res) => {
      void this.route(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  protected abstract route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;

  /** Authorize: signs in at once and sends the browser back with a fresh code. */
  protected authorize(url: URL, res: http.ServerResponse): void {
    const redirectUri = url.searchParams.get('redirect_uri') ?? '';
    const code = randomBytes(16).toString('hex');
    this.codes.set(code, { challenge: url.searchParams.get('code_challenge') ?? '', nonce: url.searchParams.get('nonce'), redirectUri, clientId: url.searchParams.get('client_id') ?? '' });
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    back.searchParams.set('state', url.searchParams.get('state') ?? '');
    res.writeHead(302, { location: back.href }).end();
  }

  /** The code a token request redeems, once, if its verifier matches the challenge. */
  protected redeem(form: URLSearchParams): IssuedCode | undefined {
    const code = form.get('code') ?? '';
    const issued = this.codes.get(code);
    this.codes.delete(code);
    const verifier = form.get('code_verifier') ?? '';
    const pkce = issued !== undefined && createHash('sha256').update(verifier).digest('base64url') === issued.challenge;
    this.tokenRequests.push({ pkce });
    return pkce ? issued : undefined;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export interface FakeOidcBehaviour {
  /** Claims of the ID token, over the honest ones (`iss`, `aud`, `nonce`, `sub`, …). */
  idToken?: Record<string, unknown>;
  /** The userinfo body; the honest one repeats the subject. */
  userinfo?: Record<string, unknown>;
  /** Seconds the access token lives. */
  expiresIn?: number;
}

export class FakeOidcProvider extends FakeServer {
  behaviour: FakeOidcBehaviour = {};
  subject = 'fake-subject';
  claims: Record<string, unknown> = {};
  private privateKey!: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  private jwk!: JWK;

  static async start(): Promise<FakeOidcProvider> {
    const fake = new FakeOidcProvider();
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    fake.privateKey = privateKey;
    fake.jwk = { ...(await exportJWK(publicKey)), kid: 'fake-1', alg: 'RS256', use: 'sig' };
    await fake.listen();
    return fake;
  }

  protected async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
        return json(res, 200, {
          issuer: this.origin,
          authorization_endpoint: `${this.origin}/authorize`,
          token_endpoint: `${this.origin}/token`,
          userinfo_endpoint: `${this.origin}/userinfo`,
          jwks_uri: `${this.origin}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
        });
      case '/jwks':
        return json(res, 200, { keys: [this.jwk] });
      case '/authorize':
        return this.authorize(url, res);
      case '/token':
        return this.token(await readForm(req), res);
      case '/userinfo':
        return json(res, 200, this.behaviour.userinfo ?? { sub: this.subject, ...this.claims });
      default:
        return json(res, 404, { error: 'not_found' });
    }
  }

  private async token(form: URLSearchParams, res: http.ServerResponse): Promise<void> {
    if (form.get('grant_type') === 'refresh_token') {
      this.refreshed.push(form.get('refresh_token') ?? '');
      return json(res, 200, { access_token: `access-${randomBytes(8).toString('hex')}`, token_type: 'Bearer', expires_in: 3600, refresh_token: `refresh-${randomBytes(8).toString('hex')}` });
    }
    const issued = this.redeem(form);
    if (!issued) return json(res, 400, { error: 'invalid_grant' });
    const now = Math.floor(Date.now() / 1000);
    const idToken = await new SignJWT({ sub: this.subject, ...(issued.nonce ? { nonce: issued.nonce } : {}), ...this.claims, ...this.behaviour.idToken })
      .setProtectedHeader({ alg: 'RS256', kid: 'fake-1' })
      .setIssuer(String(this.behaviour.idToken?.iss ?? this.origin))
      .setAudience(String(this.behaviour.idToken?.aud ?? issued.clientId))
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(this.privateKey);
    return json(res, 200, {
      access_token: `access-${randomBytes(8).toString('hex')}`,
      token_type: 'Bearer',
      expires_in: this.behaviour.expiresIn ?? 3600,
      refresh_token: `refresh-${randomBytes(8).toString('hex')}`,
      id_token: idToken,
      scope: 'openid email profile',
    });
  }
}

export interface GitHubUser {
  id: number;
  login: string;
  name?: string;
  avatar_url?: string;
  email?: string | null;
}

export class GitHubStandIn extends FakeServer {
  user: GitHubUser | Record<string, never> = { id: 1, login: 'octocat' };
  emails: { email: string; primary: boolean; verified: boolean }[] = [];

  static async start(): Promise<GitHubStandIn> {
    const fake = new GitHubStandIn();
    await fake.listen();
    return fake;
  }

  /** The provider settings that point Gatehouse's GitHub preset here. */
  endpoints(): { authorization_endpoint: string; token_endpoint: string; userinfo_endpoint: string } {
    return { authorization_endpoint: `${this.origin}/login/oauth/authorize`, token_endpoint: `${this.origin}/login/oauth/access_token`, userinfo_endpoint: `${this.origin}/user` };
  }

  protected async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const authorized = req.headers.authorization?.startsWith('Bearer access-') === true;
    switch (url.pathname) {
      case '/login/oauth/authorize':
        return this.authorize(url, res);
      case '/login/oauth/access_token': {
        const issued = this.redeem(await readForm(req));
        // GitHub answers an error with 200 and an `error` field.
        if (!issued) return json(res, 200, { error: 'bad_verification_code' });
        return json(res, 200, { access_token: `access-${randomBytes(8).toString('hex')}`, token_type: 'bearer', scope: 'read:user,user:email' });
      }
      case '/user':
        return authorized ? json(res, 200, this.user) : json(res, 401, { message: 'Requires authentication' });
      case '/user/emails':
        return authorized ? json(res, 200, this.emails) : json(res, 401, { message: 'Requires authentication' });
      default:
        return json(res, 404, { message: 'Not Found' });
    }
  }
}
