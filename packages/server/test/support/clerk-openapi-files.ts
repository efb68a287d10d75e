import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Clerk's OpenAPI documents the suite validates against: copies kept in the project (test/clerk-openapi/). */
export const CLERK_OPENAPI_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../clerk-openapi');

export type ClerkOpenApiFile = 'bapi-2026-05-12.yml' | 'fapi-2026-05-12.yml' | 'webhooks-2025-04-15.yml';

export function clerkOpenApiPath(file: ClerkOpenApiFile): string {
  return path.join(CLERK_OPENAPI_DIR, file);
}
