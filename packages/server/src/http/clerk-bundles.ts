import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatehouseError } from '../errors.js';
import { sendError } from './errors.js';

/**
 * Clerk's browser bundles, served from the installed `@clerk/clerk-js` and `@clerk/ui` packages
 * (pinned exactly in package.json) at the paths Clerk's SDKs load them from:
 * `<frontend API or proxy URL>/npm/@clerk/<package>@<version>/dist/<file>`. Apps configured with
 * `proxyUrl: <server>/fapi` ask for them under `/fapi/npm/…`, so both prefixes serve the same files.
 *
 * `<version>` is what Clerk's loaders put there: the major (`6`), a tag (`latest`), a range (`^6`),
 * or an exact version. Anything the pinned version satisfies is served; anything else is a 404,
 * never other bytes under another version's name. Each bundle rewrites its chunk base to its own
 * exact version (`…/@clerk/clerk-js@6.40.0/dist/`), so chunks are always fetched by exact version.
 */

export type ClerkBundleName = 'clerk-js' | 'ui';

export interface ClerkBundle {
  name: ClerkBundleName;
  packageName: string;
  /** The installed (pinned) version, `major.minor.patch`. */
  version: string;
  /** Absolute path of the package's `dist/` folder. */
  distDir: string;
  /** Absolute path of the package's license file. */
  licenseFile: string;
  /** Every servable file under `dist/`, by its path relative to `dist/` with `/` separators. */
  files: ReadonlyMap<string, { absolutePath: string; contentType: string }>;
}

const PACKAGES: Record<ClerkBundleName, string> = { 'clerk-js': '@clerk/clerk-js', ui: '@clerk/ui' };

/** Only files of these kinds are served; the rest of dist/ (type declarations) is not for browsers. */
const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.js', '.mjs', '.cjs', '.css', '.map', '.json', '.svg', '.txt']);

export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
/** Aliases (`6`, `latest`, `^6`) move when Gatehouse upgrades its pinned version. */
export const ALIAS_CACHE = 'public, max-age=600';

const requireFromHere = createRequire(import.meta.url);

/**
 * The folder of an installed package, found by Node's resolution from this module (so hoisting
 * and workspaces do not matter). `@clerk/clerk-js` exports no `./package.json`, so when that
 * subpath is refused its main entry is resolved and the folders above it are searched instead.
 */
function packageRoot(packageName: string): string {
  try {
    return path.dirname(requireFromHere.resolve(`${packageName}/package.json`));
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw error;
  }
  let dir = path.dirname(requireFromHere.resolve(packageName));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (manifest.name === packageName) return dir;
    } catch {
      // no manifest here: keep going up
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the folder of ${packageName}`);
    dir = parent;
  }
}

function indexFiles(distDir: string): Map<string, { absolutePath: string; contentType: string }> {
  const files = new Map<string, { absolutePath: string; contentType: string }>();
  for (const entry of readdirSync(distDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const contentType = CONTENT_TYPES[path.extname(entry.name).toLowerCase()];
    if (!contentType || entry.name.endsWith('.d.ts.map') || entry.name.endsWith('.d.mts.map')) continue;
    const absolutePath = path.join(entry.parentPath, entry.name);
    files.set(path.relative(distDir, absolutePath).split(path.sep).join('/'), { absolutePath, contentType });
  }
  return files;
}

function loadBundle(name: ClerkBundleName): ClerkBundle {
  const packageName = PACKAGES[name];
  const root = packageRoot(packageName);
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: unknown };
  const version = manifest.version;
  if (typeof version !== 'string' || !/^\d+\.\d+\.\d+$/.test(version)) {
    throw new Error(`${packageName} must be pinned to a release version, found ${String(version)}`);
  }
  const distDir = path.join(root, 'dist');
  return { name, packageName, version, distDir, licenseFile: path.join(root, 'LICENSE'), files: indexFiles(distDir) };
}

let loaded: Record<ClerkBundleName, ClerkBundle> | undefined;

/** The installed bundles, indexed once per process (dist/ does not change while it runs). */
export function clerkBundles(): Record<ClerkBundleName, ClerkBundle> {
  loaded ??= { 'clerk-js': loadBundle('clerk-js'), ui: loadBundle('ui') };
  return loaded;
}

/**
 * Whether the pinned `version` answers the `spec` in a script URL: `'exact'` for the version itself,
 * `'alias'` for `latest`, a partial version (`6`, `6.40`, `6.x`) or a `^`/`~` range it satisfies.
 */
export function matchVersion(spec: string, version: string): 'exact' | 'alias' | undefined {
  if (spec === version) return 'exact';
  if (spec === 'latest') return 'alias';
  const match = /^([\^~]?)(\d+)(?:\.(\d+|x|\*)(?:\.(\d+|x|\*))?)?$/.exec(spec);
  if (!match) return undefined;
  const operator = match[1];
  const wanted = [match[2], match[3], match[4]].map((part) => (part === undefined || part === 'x' || part === '*' ? undefined : Number(part)));
  const have = version.split('.').map(Number);
  const [major, minor] = have;
  if (wanted[0] !== major) return undefined;
  if (operator === '') {
    // A partial version: every given number must be the pinned one's (a full one is another release).
    if (wanted[1] !== undefined && wanted[2] !== undefined) return undefined;
    return wanted.every((part, i) => part === undefined || part === have[i]) ? 'alias' : undefined;
  }
  // `~M.m` keeps the minor; `^0.m` does too (npm's caret never crosses the first non-zero part).
  if ((operator === '~' || major === 0) && wanted[1] !== undefined && wanted[1] !== minor) return undefined;
  for (let i = 0; i < 3; i++) {
    const want = wanted[i] ?? 0;
    if (have[i]! !== want) return have[i]! > want ? 'alias' : undefined;
  }
  return 'alias';
}

const gzipAsync = promisify(gzip);
const gzipped = new Map<string, Promise<Buffer>>();

function acceptsGzip(request: FastifyRequest): boolean {
  const header = request.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  let gzipQ: number | undefined;
  let starQ: number | undefined;
  for (const part of header.split(',')) {
    const [token = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (token === 'gzip') gzipQ = q;
    else if (token === '*') starQ = q;
  }
  return (gzipQ ?? starQ ?? 0) > 0;
}

/** If-None-Match uses the weak comparison: the gzipped and identity replies share one validator. */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}

/** A path under dist/ as asked for, or undefined for anything that could step outside it. */
function safeRelativePath(raw: string): string | undefined {
  if (raw.length === 0 || raw.length > 512) return undefined;
  if (raw.includes('\\') || raw.includes('\0') || raw.startsWith('/')) return undefined;
  const segments = raw.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return undefined;
  return path.posix.normalize(raw) === raw ? raw : undefined;
}

function resolveRequest(spec: string): { bundle: ClerkBundle; kind: 'exact' | 'alias' } | undefined {
  const at = spec.indexOf('@');
  if (at <= 0) return undefined;
  const name = spec.slice(0, at);
  if (name !== 'clerk-js' && name !== 'ui') return undefined;
  const bundle = clerkBundles()[name];
  const kind = matchVersion(spec.slice(at + 1), bundle.version);
  return kind ? { bundle, kind } : undefined;
}

function notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(request, reply, new GatehouseError('resource_not_found'));
}

async function sendFile(
  request: FastifyRequest,
  reply: FastifyReply,
  file: { absolutePath: string; contentType: string },
  cacheControl: string,
  etag: string,
): Promise<FastifyReply> {
  reply
    .header('content-type', file.contentType)
    .header('cache-control', cacheControl)
    .header('etag', etag)
    // Clerk's loaders add these scripts with crossorigin="anonymous" from the app's own origin.
    .header('access-control-allow-origin', '*')
    .header('cross-origin-resource-policy', 'cross-origin')
    .header('vary', 'accept-encoding');
  if (matchesEtag(request.headers['if-none-match'], etag)) return reply.code(304).send();
  if (COMPRESSIBLE.has(path.extname(file.absolutePath).toLowerCase()) && acceptsGzip(request)) {
    let compressed = gzipped.get(file.absolutePath);
    if (!compressed) {
      compressed = readFile(file.absolutePath).then((bytes) => gzipAsync(bytes, { level: 9 }));
      compressed.catch(() => gzipped.delete(file.absolutePath));
      gzipped.set(file.absolutePath, compressed);
    }
    return reply.header('content-encoding', 'gzip').send(await compressed);
  }
  return reply.send(await readFile(file.absolutePath));
}

/** `/npm/@clerk/{clerk-js,ui}@<version>/dist/<file>` and the package's LICENSE, also under `/fapi`. */
export function registerClerkBundleRoutes(app: FastifyInstance): void {
  clerkBundles();
  for (const prefix of ['', '/fapi']) {
    app.get<{ Params: { spec: string; '*': string } }>(`${prefix}/npm/@clerk/:spec/dist/*`, async (request, reply) => {
      const resolved = resolveRequest(request.params.spec);
      const relative = safeRelativePath(request.params['*']);
      const file = relative === undefined ? undefined : resolved?.bundle.files.get(relative);
      if (!resolved || !file) return notFound(request, reply);
      const etag = `W/"${createHash('sha256').update(`${resolved.bundle.packageName}@${resolved.bundle.version}/dist/${relative}`).digest('base64url').slice(0, 27)}"`;
      return sendFile(request, reply, file, resolved.kind === 'exact' ? IMMUTABLE_CACHE : ALIAS_CACHE, etag);
    });
    // Both packages are MIT-licensed and their bundles carry no license comment: the license
    // travels beside them, where a CDN would serve it.
    app.get<{ Params: { spec: string } }>(`${prefix}/npm/@clerk/:spec/LICENSE`, async (request, reply) => {
      const resolved = resolveRequest(request.params.spec);
      if (!resolved) return notFound(request, reply);
      const etag = `W/"${resolved.bundle.packageName}@${resolved.bundle.version}/LICENSE"`;
      return sendFile(request, reply, { absolutePath: resolved.bundle.licenseFile, contentType: 'text/plain; charset=utf-8' }, resolved.kind === 'exact' ? IMMUTABLE_CACHE : ALIAS_CACHE, etag);
    });
  }
}
