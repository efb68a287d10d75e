import { listResponses, validateReply } from './clerk-spec.js';
import { canaryInTokens } from './leak-canary.js';

/**
 * Wraps the global fetch so every reply the server under test sends to a Clerk SDK is validated
 * against the Clerk spec, whatever SDK method made the call, and every token in a reply is searched
 * for the private-metadata canary. Failures are collected, and a test asserts the list is empty.
 */
interface Template {
  method: string;
  template: string;
  pattern: RegExp;
  literalSegments: number;
}

let templates: Template[] | undefined;

function allTemplates(): Template[] {
  if (templates) return templates;
  const seen = new Map<string, Template>();
  for (const { method, pathTemplate } of listResponses()) {
    const key = `${method} ${pathTemplate}`;
    if (seen.has(key)) continue;
    const segments = pathTemplate.split('/').filter(Boolean);
    const pattern = new RegExp(`^/${segments.map((s) => (s.startsWith('{') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`);
    seen.set(key, { method: method.toUpperCase(), template: pathTemplate, pattern, literalSegments: segments.filter((s) => !s.startsWith('{')).length });
  }
  templates = [...seen.values()];
  return templates;
}

/** The spec path template a concrete request path belongs to; literal segments beat parameters. */
export function matchTemplate(method: string, path: string): string | undefined {
  const candidates = allTemplates().filter((t) => t.method === method.toUpperCase() && t.pattern.test(path));
  candidates.sort((a, b) => b.literalSegments - a.literalSegments);
  return candidates[0]?.template;
}

export interface SpecRecorder {
  failures: string[];
  checked: number;
  restore(): void;
}

export function recordSpecConformance(baseUrl: string): SpecRecorder {
  const original = globalThis.fetch;
  const recorder: SpecRecorder = { failures: [], checked: 0, restore: () => (globalThis.fetch = original) };
  globalThis.fetch = async (input, init) => {
    const response = await original(input, init);
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (!url.href.startsWith(baseUrl) || !url.pathname.startsWith('/v1/')) return response;
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const path = url.pathname.slice(3);
    const template = matchTemplate(method, path);
    if (!template) {
      recorder.failures.push(`${method} ${url.pathname}: no operation in the Clerk spec`);
      return response;
    }
    const text = await response.clone().text();
    const leak = canaryInTokens(text);
    if (leak) recorder.failures.push(`${method} ${url.pathname}: a token leaked private metadata: ${leak}`);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      recorder.failures.push(`${method} ${url.pathname} → ${response.status}: body is not JSON`);
      return response;
    }
    if (response.headers.get('content-type') !== 'application/json' && text) {
      recorder.failures.push(`${method} ${url.pathname}: content-type is ${response.headers.get('content-type')}`);
    }
    // With `paginated=true` (which the SDK always sends for sessions, clients and invitations) Clerk
    // wraps the list the spec describes as a bare array in {data, total_count}.
    const paginated = url.searchParams.get('paginated') === 'true' && response.status === 200;
    if (paginated) {
      const wrapper = body as { data?: unknown; total_count?: unknown };
      if (!Array.isArray(wrapper?.data) || typeof wrapper.total_count !== 'number') {
        recorder.failures.push(`${method} ${template} → ${response.status}: paginated reply is not {data:[…], total_count}`);
        return response;
      }
    }
    const result = validateReply(method, template, response.status, paginated ? (body as { data: unknown }).data : body);
    recorder.checked += 1;
    if (!result.valid) recorder.failures.push(`${method} ${template} → ${response.status}:\n${result.errors}`);
    return response;
  };
  return recorder;
}
