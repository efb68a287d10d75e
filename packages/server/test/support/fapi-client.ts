import { fapiSpec } from './clerk-spec.js';
import { canaryLeak } from './leak-canary.js';

/**
 * A browser's view of the Frontend API, as clerk-js speaks it: form-encoded bodies, PATCH and
 * DELETE as POST `?_method=`, the API version parameters, and a cookie jar that keeps what the
 * server sets. Every JSON reply is checked against Clerk's FAPI spec, and searched for the private
 * metadata canary (a reply carrying it fails the call outright).
 */
export interface TokenJSON {
  object: 'token';
  jwt: string;
}

export interface SessionJSON {
  id: string;
  status: string;
  user: { id: string; email_addresses: { email_address: string }[] };
  last_active_token: TokenJSON | null;
  last_active_organization_id: string | null;
}

export interface SignInJSON {
  id: string;
  status: string;
  identifier: string | null;
  supported_first_factors: { strategy: string; safe_identifier?: string; email_address_id?: string }[];
  first_factor_verification: { status: string; strategy: string; attempts: number | null } | null;
  created_session_id: string | null;
}

export interface ClientJSON {
  id: string;
  sessions: SessionJSON[];
  sign_in: SignInJSON | null;
  last_active_session_id: string | null;
}

export interface ErrorJSON {
  code: string;
  long_message: string;
  meta: Record<string, unknown>;
}

/** The union of what FAPI replies carry; a test reads the part its call returns. */
export interface FapiBody {
  response?: unknown;
  client?: ClientJSON | null;
  errors?: ErrorJSON[];
  object?: string;
  jwt?: string;
  [field: string]: unknown;
}

export interface FapiReply {
  status: number;
  headers: Headers;
  body: FapiBody;
}

interface Template {
  method: string;
  template: string;
  pattern: RegExp;
  literals: number;
}

let templates: Template[] | undefined;

function templateFor(method: string, path: string): string | undefined {
  templates ??= fapiSpec.listResponses().map(({ method: m, pathTemplate }) => {
    const segments = pathTemplate.split('/').filter(Boolean);
    return {
      method: m.toUpperCase(),
      template: pathTemplate,
      pattern: new RegExp(`^/${segments.map((s) => (s.startsWith('{') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`),
      literals: segments.filter((s) => !s.startsWith('{')).length,
    };
  });
  const hits = templates.filter((t) => t.method === method && t.pattern.test(path)).sort((a, b) => b.literals - a.literals);
  return hits[0]?.template;
}

/**
 * Why a Frontend API reply does not match Clerk's FAPI spec, or undefined when it does. `path` is
 * the API path (`/v1/client/sign_ins/sia_…`), `method` the one clerk-js meant (after `_method`).
 */
export function fapiSpecFailure(method: string, path: string, status: number, body: unknown): string | undefined {
  // clerk-js posts some collections with a trailing slash (`/v1/me/email_addresses/`).
  const template = templateFor(method.toUpperCase(), path.length > 1 ? path.replace(/\/+$/, '') : path);
  if (!template) return `${method} ${path}: no operation in the FAPI spec`;
  for (const variant of specVariants(body)) {
    const result = fapiSpec.validateReply(method, template, status, variant);
    if (!result.valid) return `${method} ${path} -> ${status}:\n${result.errors}`;
  }
  return undefined;
}

/**
 * The spec lists `user_settings.social` by fixed keys and custom providers by one example,
 * `oauth_custom_mock`, while each custom provider has a key `oauth_custom_<its key>`: the body is
 * checked once per custom provider, under the example's name, so every one's shape is checked.
 */
function specVariants(body: unknown): unknown[] {
  const settings = (body as { user_settings?: { social?: Record<string, unknown> } } | null)?.user_settings;
  const social = Object.entries(settings?.social ?? {});
  const custom = social.filter(([key]) => key.startsWith('oauth_custom_'));
  if (!settings || custom.length === 0) return [body];
  const builtIn = social.filter(([key]) => !key.startsWith('oauth_custom_'));
  return custom.map(([, value]) => ({ ...(body as object), user_settings: { ...settings, social: Object.fromEntries([...builtIn, ['oauth_custom_mock', value]]) } }));
}

export class FapiBrowser {
  readonly cookies = new Map<string, string>();
  /** Replies that did not match the spec, for a test to assert none. */
  readonly specFailures: string[] = [];

  constructor(
    private readonly baseUrl: string,
    private readonly origin: string = baseUrl,
    /** Sent with every request, as a browser sends its `user-agent`. */
    private readonly extraHeaders: Record<string, string> = {},
  ) {}

  /** Keeps the cookies a reply sets, as a browser does (also for a reply fetched outside `call`, such as an opened link). */
  keepCookies(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** A form-encoded call; a list value repeats its field, as clerk-js sends arrays. */
  async call(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    path: string,
    body?: Record<string, string | string[]>,
    options: { origin?: string | null; headers?: Record<string, string> } = {},
  ): Promise<FapiReply> {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(body ?? {})) for (const v of Array.isArray(value) ? value : [value]) form.append(key, v);
    return this.send(method, path, method === 'GET' ? undefined : { contentType: 'application/x-www-form-urlencoded', payload: form.toString() }, options);
  }

  /** A multipart upload of one `file` part, as clerk-js sends images. */
  async upload(method: 'POST' | 'PUT', path: string, file: { bytes: Uint8Array; type: string; name: string }): Promise<FapiReply> {
    const form = new FormData();
    form.append('file', new Blob([file.bytes], { type: file.type }), file.name);
    return this.send(method, path, { payload: form });
  }

  private async send(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    path: string,
    content: { contentType?: string; payload: string | FormData } | undefined,
    options: { origin?: string | null; headers?: Record<string, string> } = {},
  ): Promise<FapiReply> {
    const url = new URL(`${this.baseUrl}/fapi/v1${path}`);
    url.searchParams.set('__clerk_api_version', '2025-11-10');
    url.searchParams.set('_clerk_js_version', '6.40.0');
    if (method !== 'GET' && method !== 'POST') url.searchParams.set('_method', method);
    const headers: Record<string, string> = { ...this.extraHeaders, ...options.headers };
    const origin = options.origin === undefined ? this.origin : options.origin;
    if (origin !== null) headers['origin'] = origin;
    if (this.cookies.size > 0) headers['cookie'] = this.cookieHeader();
    if (content?.contentType) headers['content-type'] = content.contentType;
    const response = await fetch(url, { method: method === 'GET' ? 'GET' : 'POST', headers, ...(content ? { body: content.payload } : {}) });
    this.keepCookies(response.headers);
    const text = await response.text();
    const leak = canaryLeak(text);
    if (leak) throw new Error(`${method} ${path} leaked private metadata: ${leak}`);
    const parsed = (text ? JSON.parse(text) : {}) as FapiBody;
    const failure = fapiSpecFailure(method, url.pathname.replace(/^\/fapi/, ''), response.status, parsed);
    if (failure) this.specFailures.push(failure);
    return { status: response.status, headers: response.headers, body: parsed };
  }
}
