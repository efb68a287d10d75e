import type { FastifyInstance } from 'fastify';
import { GatehouseError } from '../errors.js';

const FORBIDDEN_KEY = /"(?:__proto__|constructor|prototype)"\s*:/;

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
