import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALIAS_CACHE, IMMUTABLE_CACHE, clerkBundles, matchVersion } from '../../src/http/clerk-bundles.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => t?.close());

interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A GET with the path sent exactly as written: fetch() would resolve `..` and `%2e%2e` first. */
function rawGet(rawPath: string, headers: Record<string, string> = {}): Promise<RawReply> {
  const { hostname, port } = new URL(t.url);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: hostname, port, path: rawPath, method: 'GET', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

const CLERK_JS = clerkBundles()['clerk-js'];
const UI = clerkBundles().ui;

describe('the pinned bundles', () => {
  it('are the versions package.json pins', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
    expect(manifest.dependencies['@clerk/clerk-js']).toBe('6.40.0');
    expect(manifest.dependencies['@clerk/ui']).toBe('1.34.0');
    expect(CLERK_JS.version).toBe('6.40.0');
    expect(UI.version).toBe('1.34.0');
    expect(CLERK_JS.files.has('clerk.browser.js')).toBe(true);
    expect(UI.files.has('ui.browser.js')).toBe(true);
  });
});

describe('GET /npm/@clerk/<package>@<version>/dist/<file>', () => {
  const entryPoints = [
    { bundle: CLERK_JS, file: 'clerk.browser.js' },
    { bundle: UI, file: 'ui.browser.js' },
  ];

  for (const prefix of ['', '/fapi']) {
    for (const { bundle, file } of entryPoints) {
      it(`serves ${bundle.name}'s ${file} under ${prefix || '/'} for the exact version, immutable`, async () => {
        const reply = await rawGet(`${prefix}/npm/@clerk/${bundle.name}@${bundle.version}/dist/${file}`);
        expect(reply.status).toBe(200);
        expect(reply.headers['content-type']).toBe('text/javascript; charset=utf-8');
        expect(reply.headers['cache-control']).toBe(IMMUTABLE_CACHE);
        expect(reply.headers['x-content-type-options']).toBe('nosniff');
        // Clerk's loaders add the script with crossorigin="anonymous" from the app's origin.
        expect(reply.headers['access-control-allow-origin']).toBe('*');
        expect(reply.headers['cross-origin-resource-policy']).toBe('cross-origin');
        expect(reply.body.equals(readFileSync(path.join(bundle.distDir, file)))).toBe(true);
      });
    }
  }

  const major = (v: string) => v.split('.')[0]!;
  const aliases = (v: string) => [major(v), 'latest', `^${major(v)}`, `~${v}`, `^${v.split('.').slice(0, 2).join('.')}`, `${major(v)}.x`, v.split('.').slice(0, 2).join('.')];
  for (const { bundle, file } of entryPoints) {
    for (const alias of aliases(bundle.version)) {
      it(`serves ${bundle.name}@${alias} as the pinned ${bundle.version}, cached briefly`, async () => {
        for (const prefix of ['', '/fapi']) {
          const reply = await rawGet(`${prefix}/npm/@clerk/${bundle.name}@${encodeURIComponent(alias)}/dist/${file}`);
          expect(reply.status).toBe(200);
          expect(reply.headers['content-type']).toBe('text/javascript; charset=utf-8');
          expect(reply.headers['cache-control']).toBe(ALIAS_CACHE);
          expect(reply.body.equals(readFileSync(path.join(bundle.distDir, file)))).toBe(true);
        }
      });
    }
  }

  it('also takes a range written without percent-encoding', async () => {
    expect((await rawGet('/npm/@clerk/clerk-js@^6/dist/clerk.browser.js')).status).toBe(200);
    expect((await rawGet('/fapi/npm/@clerk/ui@^1/dist/ui.browser.js')).status).toBe(200);
  });

  const refusedVersions: [string, string][] = [
    ['clerk-js', '5'],
    ['clerk-js', '7'],
    ['clerk-js', '^5'],
    ['clerk-js', '^7.0.0'],
    ['clerk-js', '6.39.0'],
    ['clerk-js', '6.41.0'],
    ['clerk-js', '^6.41'],
    ['clerk-js', '~6.39'],
    ['clerk-js', '6.40.0-beta.1'],
    ['clerk-js', 'next'],
    ['clerk-js', '>=6'],
    ['clerk-js', ''],
    ['ui', '0'],
    ['ui', '2'],
    ['ui', '1.35.0'],
    ['ui', '6.40.0'],
  ];
  for (const [name, version] of refusedVersions) {
    it(`answers 404 for ${name}@${version || '(nothing)'}`, async () => {
      const file = name === 'ui' ? 'ui.browser.js' : 'clerk.browser.js';
      const reply = await rawGet(`/npm/@clerk/${name}@${encodeURIComponent(version)}/dist/${file}`);
      expect(reply.status).toBe(404);
      expect(JSON.parse(reply.body.toString()).errors[0].code).toBe('resource_not_found');
    });
  }

  it('answers 404 for packages it does not serve', async () => {
    for (const p of ['/npm/@clerk/backend@3/dist/index.js', '/npm/@clerk/shared@4/dist/index.js', '/npm/@clerk/clerk-js/dist/clerk.browser.js', '/npm/@clerk/@6/dist/clerk.browser.js']) {
      expect((await rawGet(p)).status, p).toBe(404);
    }
  });

  it('refuses every path that steps outside dist/ or is not written plainly', async () => {
    const attempts = [
      '/npm/@clerk/clerk-js@6/dist/../package.json',
      '/npm/@clerk/clerk-js@6/dist/../../../package.json',
      '/npm/@clerk/clerk-js@6/dist/..%2fpackage.json',
      '/npm/@clerk/clerk-js@6/dist/%2e%2e/package.json',
      '/npm/@clerk/clerk-js@6/dist/%2e%2e%2fpackage.json',
      '/npm/@clerk/clerk-js@6/dist/..%5cpackage.json',
      '/npm/@clerk/clerk-js@6/dist/%5c..%5cpackage.json',
      '/npm/@clerk/clerk-js@6/dist/%2fetc%2fpasswd',
      '/npm/@clerk/clerk-js@6/dist//etc/passwd',
      '/npm/@clerk/clerk-js@6/dist/types/../clerk.browser.js',
      '/npm/@clerk/clerk-js@6/dist/./clerk.browser.js',
      '/npm/@clerk/clerk-js@6/dist/clerk.browser.js%00.png',
      '/npm/@clerk/ui@1/dist/../../clerk-js/package.json',
      '/fapi/npm/@clerk/ui@1/dist/..%2f..%2fclerk-js%2fpackage.json',
      '/npm/@clerk/clerk-js@6/dist/',
      '/npm/@clerk/clerk-js@6/dist/types',
    ];
    for (const attempt of attempts) {
      const reply = await rawGet(attempt);
      expect(reply.status, attempt).toBe(404);
      expect(reply.body.toString(), attempt).not.toContain('"name"');
    }
  });

  it('serves only browser assets from dist/: no type declarations', async () => {
    expect((await rawGet('/npm/@clerk/clerk-js@6.40.0/dist/types/index.d.ts')).status).toBe(404);
  });

  it('serves nested files, source maps and style sheets with their content types', async () => {
    const map = await rawGet(`/npm/@clerk/ui@${UI.version}/dist/ClerkUI.js.map`);
    expect(map.status).toBe(200);
    expect(map.headers['content-type']).toBe('application/json');
    expect(() => JSON.parse(map.body.toString())).not.toThrow();
    const css = await rawGet(`/npm/@clerk/ui@${UI.version}/dist/themes/shadcn.css`);
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const chunk = [...CLERK_JS.files.keys()].find((f) => /^vendors_clerk\.browser_.*\.js$/.test(f))!;
    const chunkReply = await rawGet(`/fapi/npm/@clerk/clerk-js@${CLERK_JS.version}/dist/${chunk}`);
    expect(chunkReply.status).toBe(200);
    expect(chunkReply.headers['cache-control']).toBe(IMMUTABLE_CACHE);
  });

  it('gzips for clients that take it, and answers a revalidation with 304', async () => {
    const url = `/npm/@clerk/clerk-js@6/dist/clerk.browser.js`;
    const original = readFileSync(path.join(CLERK_JS.distDir, 'clerk.browser.js'));
    const zipped = await rawGet(url, { 'accept-encoding': 'gzip, deflate, br' });
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toContain('accept-encoding');
    expect(zipped.body.length).toBeLessThan(original.length / 2);
    expect(gunzipSync(zipped.body).equals(original)).toBe(true);
    const identity = await rawGet(url, { 'accept-encoding': 'gzip;q=0, identity' });
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.body.equals(original)).toBe(true);

    const etag = zipped.headers.etag!;
    expect(etag).toBeTruthy();
    expect(identity.headers.etag).toBe(etag);
    const revalidated = await rawGet(url, { 'if-none-match': etag });
    expect(revalidated.status).toBe(304);
    expect(revalidated.body.length).toBe(0);
    expect(revalidated.headers['cache-control']).toBe(ALIAS_CACHE);
    // Another version's file has another validator.
    const other = await rawGet(`/npm/@clerk/ui@1/dist/ui.browser.js`);
    expect(other.headers.etag).not.toBe(etag);
  });
});

describe('GET /npm/@clerk/<package>@<version>/LICENSE', () => {
  it("serves each package's MIT license beside its bundles, as a CDN would", async () => {
    for (const [bundle, holder] of [
      [CLERK_JS, 'Clerk, Inc.'],
      [UI, 'Clerk Inc'],
    ] as const) {
      for (const prefix of ['', '/fapi']) {
        const reply = await rawGet(`${prefix}/npm/@clerk/${bundle.name}@${bundle.version}/LICENSE`);
        expect(reply.status).toBe(200);
        expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
        expect(reply.body.toString()).toContain('MIT License');
        expect(reply.body.toString()).toContain(holder);
      }
    }
    expect((await rawGet('/npm/@clerk/clerk-js@7/LICENSE')).status).toBe(404);
  });
});

describe('matchVersion', () => {
  it('tells the exact version from the aliases and refuses what the pinned version does not satisfy', () => {
    expect(matchVersion('6.40.0', '6.40.0')).toBe('exact');
    for (const alias of ['6', 'latest', '^6', '^6.0.0', '^6.40', '^6.40.0', '~6.40', '~6.40.0', '6.x', '6.*', '6.40', '6.40.x', '~6']) {
      expect(matchVersion(alias, '6.40.0'), alias).toBe('alias');
    }
    for (const refused of ['6.40.1', '^6.40.1', '~6.41', '~6.39.0', '^6.41.0', '5', '^5', '7', '6.39', 'v6', '6.40.0.0', '^', '6-', ' 6', 'beta']) {
      expect(matchVersion(refused, '6.40.0'), refused).toBeUndefined();
    }
    // npm's caret keeps the minor of a 0.x version.
    expect(matchVersion('^0.3.0', '0.3.5')).toBe('alias');
    expect(matchVersion('^0.2.0', '0.3.5')).toBeUndefined();
  });
});
