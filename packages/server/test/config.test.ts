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

  it('reads the SMTP URL, never repeating it in an error', () => {
    expect(loadConfig({}).email.smtpUrl).toBeUndefined();
    expect(loadConfig({ GATEHOUSE_SMTP_URL: 'smtps://user:p%40ss@smtp.example.com:465' }).email.smtpUrl?.href).toBe('smtps://user:p%40ss@smtp.example.com:465');
    expect(loadConfig({ GATEHOUSE_SMTP_URL: 'smtp://smtp.example.com:587' }).email.smtpUrl?.port).toBe('587');
    for (const bad of ['https://user:hunter2@smtp.example.com', 'smtp:hunter2', 'smtp://', 'hunter2']) {
      expect(() => loadConfig({ GATEHOUSE_SMTP_URL: bad }), bad).toThrow(/^Invalid setting GATEHOUSE_SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/);
      expect(() => loadConfig({ GATEHOUSE_SMTP_URL: bad }), bad).not.toThrow(/hunter2/);
    }
  });

  it('reads the sender, or makes one from the application name and public host', () => {
    expect(loadConfig({ GATEHOUSE_EMAIL_FROM: 'no-reply@acme.example' }).email.from).toEqual({ name: null, address: 'no-reply@acme.example' });
    expect(loadConfig({ GATEHOUSE_EMAIL_FROM: 'Acme Auth <auth@acme.example>' }).email.from).toEqual({ name: 'Acme Auth', address: 'auth@acme.example' });
    expect(loadConfig({ GATEHOUSE_EMAIL_FROM: '"Acme, Inc." <auth@acme.example>' }).email.from).toEqual({ name: 'Acme, Inc.', address: 'auth@acme.example' });
    for (const bad of ['acme', 'Acme <not an address>', 'a@b.example\r\nBcc: x@y.example', 'a@b.example, c@d.example']) {
      expect(() => loadConfig({ GATEHOUSE_EMAIL_FROM: bad }), bad).toThrow(/GATEHOUSE_EMAIL_FROM/);
    }
    expect(loadConfig({}).email.from).toEqual({ name: 'Gatehouse', address: 'no-reply@localhost' });
    expect(loadConfig({ GATEHOUSE_PUBLIC_URL: 'https://auth.acme.example', GATEHOUSE_APPLICATION_NAME: 'Acme' }).email.from).toEqual({
      name: 'Acme',
      address: 'no-reply@auth.acme.example',
    });
  });

  it('serves the development inbox only without SMTP, and on its own only on a local server', () => {
    const inbox = (env: Record<string, string>) => loadConfig(env).email.devInbox;
    expect(inbox({})).toBe(true);
    expect(inbox({ GATEHOUSE_PUBLIC_URL: 'http://localhost:3000' })).toBe(true);
    expect(inbox({ GATEHOUSE_PUBLIC_URL: 'http://[::1]:3000', HOST: '::1' })).toBe(true);
    expect(inbox({ GATEHOUSE_PUBLIC_URL: 'https://auth.acme.example' })).toBe(false);
    // Bound to every interface, the public URL 127.0.0.1 notwithstanding: reachable from the network.
    expect(inbox({ HOST: '0.0.0.0' })).toBe(false);
    expect(inbox({ HOST: '0.0.0.0', GATEHOUSE_DEV_INBOX: '1' })).toBe(true);
    expect(inbox({ GATEHOUSE_PUBLIC_URL: 'https://auth.acme.example', GATEHOUSE_DEV_INBOX: '1' })).toBe(true);
    expect(inbox({ GATEHOUSE_DEV_INBOX: '0' })).toBe(false);
    expect(inbox({ GATEHOUSE_SMTP_URL: 'smtp://smtp.acme.example' })).toBe(false);
    expect(inbox({ GATEHOUSE_SMTP_URL: 'smtp://smtp.acme.example', GATEHOUSE_DEV_INBOX: '1' })).toBe(false);
    expect(() => loadConfig({ GATEHOUSE_DEV_INBOX: 'yes' })).toThrow(/GATEHOUSE_DEV_INBOX/);
  });
});
