/**
 * The MCP tools reach Gatehouse only through its Backend API, like any other client: the same
 * validation, authorization and event log apply whether a call comes from an app or an agent.
 * Where the request travels (HTTP to a remote server, or an in-process inject inside the server
 * that hosts `/mcp`) is the `send` function's business.
 */

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | readonly string[] | undefined>;
  body?: Record<string, unknown>;
}

export interface ApiExchange {
  method: string;
  /** Path and query string, e.g. `/v1/users?limit=10`. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export type ApiSend = (exchange: ApiExchange) => Promise<{ status: number; text: string }>;

/** Who is calling, for the audit log: the MCP client's name and the tool it invoked. */
export interface CallAttribution {
  actorDetail: string;
  /** Set on the first request of a tool call only, so the server records the call once. */
  tool?: string;
}

interface ClerkErrorItem {
  code?: string;
  message?: string;
  long_message?: string;
  meta?: { param_name?: string };
}

/** A Backend API error reply, phrased so an agent can correct its call. */
export class BackendApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: ClerkErrorItem[],
  ) {
    super(describeErrors(status, errors));
    this.name = 'BackendApiError';
  }
}

function camelCase(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function describeErrors(status: number, errors: ClerkErrorItem[]): string {
  if (errors.length === 0) return `Gatehouse answered ${status} without details.`;
  const lines = errors.map((e) => {
    const text = e.long_message ?? e.message ?? 'Request failed.';
    const param = e.meta?.param_name ? ` (argument ${camelCase(e.meta.param_name)})` : '';
    return `${text}${param} [${e.code ?? 'error'}]`;
  });
  return `Gatehouse rejected the call (HTTP ${status}): ${lines.join(' ')}`;
}

function queryString(query: ApiRequest['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value as readonly string[]) params.append(key, item);
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Keeps header values printable ASCII and short: the detail lands in the audit log verbatim. */
function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}

export class BackendApi {
  constructor(
    private readonly send: ApiSend,
    private readonly secretKey: string,
  ) {}

  async call<T>(request: ApiRequest, attribution?: CallAttribution): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.secretKey}`, accept: 'application/json' };
    if (attribution) {
      headers['gatehouse-actor-detail'] = headerSafe(attribution.actorDetail);
      if (attribution.tool) headers['gatehouse-mcp-tool'] = headerSafe(attribution.tool);
    }
    const exchange: ApiExchange = { method: request.method, url: `/v1${request.path}${queryString(request.query)}`, headers };
    if (request.body !== undefined) {
      headers['content-type'] = 'application/json';
      exchange.body = JSON.stringify(request.body);
    }
    const { status, text } = await this.send(exchange);
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new BackendApiError(status, [{ message: `Gatehouse answered ${status} with a body that is not JSON.` }]);
    }
    if (status >= 400) {
      const errors = (parsed as { errors?: ClerkErrorItem[] } | undefined)?.errors;
      throw new BackendApiError(status, Array.isArray(errors) ? errors : []);
    }
    return parsed as T;
  }
}

/** Sends Backend API requests over HTTP to a Gatehouse at `apiUrl` (with or without `/v1`). */
export function httpSender(apiUrl: string): ApiSend {
  const base = apiUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  return async (exchange) => {
    let response: Response;
    try {
      response = await fetch(`${base}${exchange.url}`, {
        method: exchange.method,
        headers: exchange.headers,
        ...(exchange.body !== undefined ? { body: exchange.body } : {}),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      throw new Error(`Could not reach Gatehouse at ${base}${cause}. Is the server running, and is the API URL right?`);
    }
    return { status: response.status, text: await response.text() };
  };
}
