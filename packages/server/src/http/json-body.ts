import type { FastifyInstance } from 'fastify';
import { GatehouseError } from '../errors.js';

const FORBIDDEN_KEY = /"(?:__proto__|constructor|prototype)"\s*:/;

/**
 * Deepest nesting of objects and arrays a body may have. Metadata (at most 8 KB) is the only
 * parameter that nests at all; without a cap, a body a few thousand levels deep overflows the
 * stack in the recursive checks and in JSON.stringify downstream and ends as a 500.
 */
export const MAX_JSON_DEPTH = 512;

/**
 * JSON bodies as Clerk's SDKs send them: `@clerk/backend` sets `Content-Type: application/json`
 * even on bodiless POST and DELETE requests, so an empty body reads as "no parameters" rather
 * than an error. Prototype-polluting keys are refused outright. Every other content type is
 * refused with 415 (Fastify's default text/plain parser is removed so no route sees a raw string).
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (nestingDepthExceeds(text, MAX_JSON_DEPTH)) {
        done(new GatehouseError('request_body_invalid', { longMessage: `The request body must not nest objects or arrays more than ${MAX_JSON_DEPTH} levels deep.` }), undefined);
        return;
      }
      if (FORBIDDEN_KEY.test(text) && hasForbiddenKey(parsed)) {
        done(new GatehouseError('request_body_invalid', { longMessage: 'The request body must not contain __proto__, constructor or prototype keys.' }), undefined);
        return;
      }
      done(null, parsed);
    } catch {
      done(new GatehouseError('request_body_invalid'), undefined);
    }
  });
}

function hasForbiddenKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasForbiddenKey);
  if (typeof value !== 'object' || value === null) return false;
  return Object.keys(value).some(
    (k) => k === '__proto__' || k === 'constructor' || k === 'prototype' || hasForbiddenKey((value as Record<string, unknown>)[k]),
  );
}

/** Whether well-formed JSON `text` nests objects and arrays deeper than `max`: one pass, no recursion. */
function nestingDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}
