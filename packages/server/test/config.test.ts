import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, SETTING_NAMES } from '../src/config.js';
import { publishableKeyFor } from '../src/crypto/publishable-key.js';

describe('settings', () => {
  it('are each documented in the README settings table', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    for (const name of SETTING_NAMES) expect(readme, name).toContain(`| \`${name}\` |`);
  });

  it('defaults to a local SQLite server on 127.0.0.1:3000', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe(path.resolve('.gatehouse'));
    expect(config.databaseUrl).toBeUndefined();
    expect(config.publicUrl.origin).toBe('http://127.0.0.1:3000');
    expect(config.passwordMinLength).toBe(8);
    expect(config.lockout).toEqual({ maxAttempts: 10, durationSeconds: 3600 });
    expect(config.bodyLimitBytes).toBe(1024 * 1024);
  });

  it('derives a reachable public URL from a wildcard bind address', () => {
    expect(loadConfig({ HOST: '0.0.0.0', PORT: '8080' }).publicUrl.origin).toBe('http://127.0.0.1:8080');
  });

  it('names the setting that is wrong', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/^Invalid setting PORT: /);
    expect(() => loadConfig({ GATEHOUSE_PASSWORD_MIN_LENGTH: '4' })).toThrow(/GATEHOUSE_PASSWORD_MIN_LENGTH/);
    expect(() => loadConfig({ GATEHOUSE_PUBLIC_URL: 'https://auth.example.com/path' })).toThrow(/GATEHOUSE_PUBLIC_URL/);
    expect(() => loadConfig({ GATEHOUSE_LOG_LEVEL: 'loud' })).toThrow(/GATEHOUSE_LOG_LEVEL/);
  });

  it('encodes the public host in the publishable key as Clerk does', () => {
    expect(publishableKeyFor(new URL('https://clerk.example.test'))).toBe('pk_live_Y2xlcmsuZXhhbXBsZS50ZXN0JA');
    const decoded = Buffer.from(publishableKeyFor(new URL('http://127.0.0.1:3000')).slice('pk_live_'.length), 'base64').toString();
    expect(decoded).toBe('127.0.0.1:3000$');
  });
});
