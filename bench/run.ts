/**
 * Bench dispatcher: `tsx bench/run.ts <name> [args…]` imports bench/<name>.ts and awaits its
 * exported `main(args)`. Benches are found by listing this folder, so adding one is adding a file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type BenchMain = (args: string[]) => Promise<void>;

const here = path.dirname(fileURLToPath(import.meta.url));

function available(): string[] {
  return fs
    .readdirSync(here)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== 'run.ts')
    .map((f) => f.slice(0, -'.ts'.length))
    .sort();
}

function hasMain(mod: unknown): mod is { main: BenchMain } {
  return typeof mod === 'object' && mod !== null && 'main' in mod && typeof mod.main === 'function';
}

function usage(): string {
  return `usage: npm run bench -- <name>\navailable benches:\n${available()
    .map((n) => `  ${n}`)
    .join('\n')}\n`;
}

const [name, ...args] = process.argv.slice(2);
if (name === undefined || name === '' || name === '--help' || name === '-h') {
  process.stdout.write(usage());
} else if (!available().includes(name)) {
  process.stderr.write(`unknown bench "${name}"\n${usage()}`);
  process.exitCode = 2;
} else {
  const mod: unknown = await import(pathToFileURL(path.join(here, `${name}.ts`)).href);
  if (!hasMain(mod)) {
    process.stderr.write(`bench/${name}.ts does not export main()\n`);
    process.exitCode = 2;
  } else {
    await mod.main(args);
  }
}
