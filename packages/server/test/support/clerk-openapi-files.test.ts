/**
 * The suite carries Clerk's specs itself: the copies match the checksums their README records, and
 * nothing in the project reaches for a folder outside the clone to find them.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLERK_OPENAPI_DIR } from './clerk-openapi-files.js';
import { PACKAGE_ROOT } from './cli.js';

const REPO_ROOT = path.resolve(PACKAGE_ROOT, '../..');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.gatehouse')) return [];
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

describe("Clerk's OpenAPI copies", () => {
  it('match the sha256 sums recorded beside them', () => {
    const readme = fs.readFileSync(path.join(CLERK_OPENAPI_DIR, 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `([^`]+\.yml)` \|.*\| `([0-9a-f]{64})` \|$/gm)];
    expect(rows.map((r) => r[1]).sort()).toEqual(['bapi-2026-05-12.yml', 'fapi-2026-05-12.yml', 'webhooks-2025-04-15.yml']);
    for (const [, file, sum] of rows) {
      const actual = createHash('sha256').update(fs.readFileSync(path.join(CLERK_OPENAPI_DIR, file as string))).digest('hex');
      expect(actual, file).toBe(sum);
    }
  });

  it('carry Clerk’s MIT license', () => {
    expect(fs.readFileSync(path.join(CLERK_OPENAPI_DIR, 'LICENSE'), 'utf8')).toMatch(/Copyright \(c\) 2025 Clerk[\s\S]*Permission is hereby granted/);
  });

  it('are the only specs the project reads: no source, test, script or bench refers to a shared/ folder outside the clone', () => {
    const roots = ['packages/server/src', 'packages/server/test', 'bench', '.ci'].map((r) => path.join(REPO_ROOT, r)).filter((r) => fs.existsSync(r));
    const code = roots.flatMap(filesUnder).filter((f) => !f.endsWith('.md') && !f.endsWith('.yml') && f !== import.meta.filename);
    const offenders = code.filter((f) => /\.\.\/(\.\.\/)*shared\//.test(fs.readFileSync(f, 'utf8')));
    expect(offenders.map((f) => path.relative(REPO_ROOT, f))).toEqual([]);
  });
});
