/**
 * The error catalog lists what clients can receive: every code in it is thrown somewhere (or is
 * named here as reserved, with the reason), so the catalog never advertises a code nothing sends.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, GatehouseError, type ErrorCode } from '../src/errors.js';
import { PACKAGE_ROOT } from './support/cli.js';

/** Codes kept in the catalog although nothing throws them yet, and why. */
const RESERVED: Partial<Record<ErrorCode, string>> = {};

function sourcesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourcesUnder(full) : entry.name.endsWith('.ts') ? [full] : [];
  });
}

const SRC = path.join(PACKAGE_ROOT, 'src');
const catalogFile = path.join(SRC, 'errors.ts');
const throwingCode = sourcesUnder(SRC)
  .filter((file) => file !== catalogFile)
  .map((file) => fs.readFileSync(file, 'utf8'))
  .join('\n');

describe('the error catalog', () => {
  it.each(Object.keys(ERROR_CATALOG) as ErrorCode[])('has %s thrown somewhere outside the catalog, or reserved with a reason', (code) => {
    const used = throwingCode.includes(`'${code}'`);
    expect(used || RESERVED[code] !== undefined, `${code} is in the catalog but nothing sends it`).toBe(true);
    if (RESERVED[code] !== undefined) expect(used, `${code} is sent, so it is no longer reserved`).toBe(false);
  });

  it.each(Object.keys(ERROR_CATALOG) as ErrorCode[])('gives %s an error status and a message in both lengths', (code) => {
    const error = new GatehouseError(code, { meta: { param_name: 'email_address' } });
    expect(error.status).toBeGreaterThanOrEqual(400);
    expect(error.status).toBeLessThan(600);
    const json = error.toJSON();
    expect(json.code).toBe(code);
    expect(json.message.length).toBeGreaterThan(0);
    expect(json.long_message.length).toBeGreaterThan(0);
    expect(json.meta).toEqual({ param_name: 'email_address' });
  });
});
