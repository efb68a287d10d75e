import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting Gatehouse reads, from the environment, validated once at start.
 * README documents each one; keep the two in step.
 */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** A postgres:// URL switches the store to PostgreSQL; absent means the embedded SQLite file. */
  databaseUrl: string | undefined;
  sqliteSynchronous: 'full' | 'normal';
  /** An operator-chosen Backend API secret key, accepted in addition to the generated ones. */
  extraSecretKey: string | undefined;
  /** The URL browsers use to reach this server; the publishable key encodes its host. */
  publicUrl: URL;
  /** False when the public URL was derived from HOST and PORT rather than set. */
  publicUrlExplicit: boolean;
  rateLimits: RateLimitSettings;
  /** Reverse proxies whose `X-Forwarded-For` names the client; nobody's, unless set. */
  trustedProxies: string[];
  /** Where rate limits are counted: this process, beside the store (shared), or Redis. */
  rateLimitStore: { kind: 'memory' } | { kind: 'store' } | { kind: 'redis'; url: string };
  /** Origins besides the public URL's that browsers may call the Frontend API from and be redirected to. */
  allowedOrigins: string[];
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  applicationName: string;
  passwordMinLength: number;
  lockout: { maxAttempts: number; durationSeconds: number };
  bodyLimitBytes: number;
  /** 32-byte key sealing signing keys at rest; undefined means "use or create one in the data dir". */
  encryptionKey: Uint8Array | undefined;
  sessions: {
    lifetimeSeconds: number;
    /** 0 turns the inactivity timeout off. */
    inactivityTimeoutSeconds: number;
    tokenLifetimeSeconds: number;
    tokenVersion: 1 | 2;
  };
  /** How long a rotated-in signing key is published before it starts signing. */
  signingKeyGraceSeconds: number;
  /** Lets webhook endpoints target loopback/private/link-local addresses (local development). */
  webhooksAllowPrivate: boolean;
  /** The MCP endpoint `/mcp`: whether it is served and what its tools may do. */
  mcp: { http: boolean; readOnly: boolean; allowPrivateMetadata: boolean };
  email: {
    /** GATEHOUSE_SMTP_URL (smtp:// or smtps://, credentials in it): undefined delivers to the development inbox. Never log it whole. */
    smtpUrl: URL | undefined;
    /** The sender of every message. */
    from: EmailAddress;
    /** Whether `GET /dev/inbox` is served (see `devInboxServed`). */
    devInbox: boolean;
  };
}

/** A mailbox: `address`, shown as `name <address>` when there is a name. */
export interface EmailAddress {
  name: string | null;
  address: string;
}

export type RateLimitName = 'sign_in' | 'sign_up' | 'send' | 'attempt' | 'backend';
export interface RateLimitSettings {
  enabled: boolean;
  /** Requests allowed per window, per IP (and per identifier for `sign_in`; per secret key for `backend`). */
  limits: Record<RateLimitName, { points: number; seconds: number }>;
}

/** Clerk's published limits: Frontend API creations 5 per 10 s, attempts and sends 3 per 10 s; Backend API 1,000 per 10 s per key. */
const DEFAULT_RATE_LIMITS: RateLimitSettings['limits'] = {
  sign_in: { points: 5, seconds: 10 },
  sign_up: { points: 5, seconds: 10 },
  send: { points: 3, seconds: 10 },
  attempt: { points: 3, seconds: 10 },
  backend: { points: 1000, seconds: 10 },
};

/** Redis when `REDIS_URL` is set, else beside the store, unless `GATEHOUSE_RATE_LIMIT_STORE` says otherwise. */
function rateLimitStoreFrom(kind: 'memory' | 'store' | 'redis' | undefined, redisUrl: string | undefined): Config['rateLimitStore'] {
  const chosen = kind ?? (redisUrl ? 'redis' : 'store');
  if (chosen !== 'redis') return { kind: chosen };
  if (!redisUrl) throw new ConfigError('GATEHOUSE_RATE_LIMIT_STORE', 'redis needs REDIS_URL');
  return { kind: 'redis', url: redisUrl };
}

/** A proxy entry of `GATEHOUSE_TRUSTED_PROXIES`: an address or a CIDR range. */
function isProxyEntry(entry: string): boolean {
  const [address, prefix, extra] = entry.split('/');
  if (extra !== undefined || !address) return false;
  const family = net.isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** `on`, `off`, or overrides such as `attempt=10/60,send=5/600` (requests/seconds). */
const rateLimits = z
  .string()
  .default('on')
  .transform((value, issue): RateLimitSettings => {
    const text = value.trim().toLowerCase();
    if (text === 'off') return { enabled: false, limits: DEFAULT_RATE_LIMITS };
    const limits = { ...DEFAULT_RATE_LIMITS };
    if (text === 'on' || text === '') return { enabled: true, limits };
    for (const part of text.split(',')) {
      const match = /^(sign_in|sign_up|send|attempt|backend)=(\d{1,6})\/(\d{1,6})$/.exec(part.trim());
      if (!match || Number(match[2]) < 1 || Number(match[3]) < 1) {
        issue.addIssue({ code: 'custom', message: 'must be on, off, or name=requests/seconds pairs (sign_in, sign_up, send, attempt, backend), e.g. attempt=10/60' });
        return z.NEVER;
      }
      limits[match[1] as RateLimitName] = { points: Number(match[2]), seconds: Number(match[3]) };
    }
    return { enabled: true, limits };
  });

export class ConfigError extends Error {
  constructor(readonly setting: string, detail: string) {
    super(`Invalid setting ${setting}: ${detail}`);
    this.name = 'ConfigError';
  }
}

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

const flag = (fallback: '0' | '1') => z.enum(['0', '1'], 'must be 0 or 1').default(fallback).transform((v) => v === '1');

/** `https://app.example.com` or `http://127.0.0.1:3000`: a scheme, a host and maybe a port, nothing else. */
function isExactOrigin(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === value.replace(/\/$/, '') && !u.username && !u.password;
  } catch {
    return false;
  }
}

/** `local@domain`: no spaces, angle brackets, quotes or controls (they would end or split the header). */
const MAILBOX_ADDRESS = /^[^\s<>"@,;\\]+@[^\s<>"@,;\\]+$/;

/** `addr@example.com`, or `Display Name <addr@example.com>` (the name optionally in double quotes). */
export function parseEmailAddress(value: string): EmailAddress | undefined {
  if (/\p{Cc}/u.test(value)) return undefined;
  const trimmed = value.trim();
  if (MAILBOX_ADDRESS.test(trimmed)) return { name: null, address: trimmed };
  const named = /^(.*?)\s*<([^<>]+)>$/.exec(trimmed);
  if (!named || !MAILBOX_ADDRESS.test(named[2]!)) return undefined;
  let name = named[1]!.trim();
  if (name.startsWith('"') && name.endsWith('"') && name.length >= 2) name = name.slice(1, -1);
  if (name.includes('"') || name.includes('<') || name.includes('>')) return undefined;
  return { name: name || null, address: named[2]! };
}

/**
 * The sender when GATEHOUSE_EMAIL_FROM is unset: the application's name at `no-reply@` the public
 * URL's host, or `no-reply@localhost` when that host is an IP address or has no dot.
 */
export function defaultEmailFrom(applicationName: string, publicUrl: URL): EmailAddress {
  const host = publicUrl.hostname;
  const isDnsName = host.includes('.') && !/^[\d.]+$/.test(host) && !host.startsWith('[');
  return { name: applicationName, address: `no-reply@${isDnsName ? host : 'localhost'}` };
}

/** A host name or address that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::1' || h === '::ffff:127.0.0.1';
}

/**
 * The development inbox shows sign-in codes to anyone who can reach it, so it is served only
 * when no SMTP server is configured, and then only when turned on (GATEHOUSE_DEV_INBOX=1) or,
 * unset, when the server is local: a loopback public URL and a loopback bind address (HOST=0.0.0.0
 * with the derived public URL 127.0.0.1 is reachable from the network, so it does not count).
 */
export function devInboxServed(setting: '0' | '1' | undefined, smtpUrl: URL | undefined, publicUrl: URL, host: string): boolean {
  if (smtpUrl !== undefined || setting === '0') return false;
  return setting === '1' || (isLoopbackHost(publicUrl.hostname) && isLoopbackHost(host));
}

const SECRET_KEY_PATTERN = /^sk_(test|live)_[A-Za-z0-9]{24,}$/;

const settings = {
  PORT: integer(0, 65535).default(3000),
  HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  GATEHOUSE_DATA_DIR: z.string().min(1, 'must not be empty').default('./.gatehouse'),
  DATABASE_URL: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// URL (leave unset for the embedded SQLite store)')
    .optional(),
  GATEHOUSE_SECRET_KEY: z
    .string()
    .refine((v) => SECRET_KEY_PATTERN.test(v), 'must look like sk_test_… or sk_live_… followed by at least 24 letters or digits')
    .optional(),
  GATEHOUSE_PUBLIC_URL: z
    .string()
    .refine((v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'http:' || u.protocol === 'https:') && u.pathname === '/' && !u.search && !u.hash;
      } catch {
        return false;
      }
    }, 'must be an http(s) origin such as https://auth.example.com')
    .optional(),
  GATEHOUSE_ALLOWED_ORIGINS: z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .refine((list) => list.every(isExactOrigin), 'must be a comma-separated list of http(s) origins such as https://app.example.com')
    .transform((list) => list.map((o) => new URL(o).origin))
    .default([]),
  GATEHOUSE_RATE_LIMITS: rateLimits,
  REDIS_URL: z
    .string()
    .refine((v) => /^rediss?:\/\/[^/]/.test(v), 'must be a redis:// or rediss:// URL')
    .optional(),
  GATEHOUSE_RATE_LIMIT_STORE: z.enum(['memory', 'store', 'redis']).optional(),
  GATEHOUSE_TRUSTED_PROXIES: z
    .string()
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .refine((list) => list.every(isProxyEntry), 'must be a comma-separated list of IP addresses or CIDR ranges, such as 10.0.0.0/8')
    .default([]),
  GATEHOUSE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GATEHOUSE_APPLICATION_NAME: z.string().min(1).max(100).default('Gatehouse'),
  GATEHOUSE_PASSWORD_MIN_LENGTH: integer(8, 256).default(8),
  GATEHOUSE_LOCKOUT_MAX_ATTEMPTS: integer(1, 100).default(10),
  GATEHOUSE_LOCKOUT_DURATION_SECONDS: integer(1, 31_536_000).default(3600),
  GATEHOUSE_SQLITE_SYNCHRONOUS: z.enum(['full', 'normal']).default('full'),
  GATEHOUSE_BODY_LIMIT_BYTES: integer(1024, 100 * 1024 * 1024).default(1024 * 1024),
  GATEHOUSE_ENCRYPTION_KEY: z
    .string()
    .transform((v) => Buffer.from(v, v.includes('-') || v.includes('_') ? 'base64url' : 'base64'))
    .refine((b) => b.length === 32, 'must be 32 random bytes, base64-encoded (e.g. openssl rand -base64 32)')
    .optional(),
  GATEHOUSE_SESSION_LIFETIME_SECONDS: integer(60, 315_360_000).default(7 * 24 * 3600),
  GATEHOUSE_SESSION_INACTIVITY_TIMEOUT_SECONDS: integer(0, 315_360_000).default(0),
  GATEHOUSE_SESSION_TOKEN_LIFETIME_SECONDS: integer(30, 86_400).default(60),
  GATEHOUSE_SESSION_TOKEN_VERSION: z.enum(['1', '2']).default('2').transform((v) => (v === '1' ? 1 : 2) as 1 | 2),
  GATEHOUSE_SIGNING_KEY_GRACE_SECONDS: integer(0, 7 * 24 * 3600).default(3600),
  GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE: flag('0'),
  GATEHOUSE_MCP_HTTP: flag('1'),
  GATEHOUSE_MCP_READ_ONLY: flag('0'),
  GATEHOUSE_MCP_ALLOW_PRIVATE_METADATA: flag('0'),
  GATEHOUSE_SMTP_URL: z
    .string()
    .transform((v, ctx) => {
      let url: URL | undefined;
      try {
        url = new URL(v);
      } catch {
        url = undefined;
      }
      // The message never repeats the value: it may carry the SMTP password.
      if (!url || (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || !url.hostname || url.hash) {
        ctx.addIssue({ code: 'custom', message: 'must be an smtp:// or smtps:// URL such as smtps://user:password@smtp.example.com:465' });
        return z.NEVER;
      }
      return url;
    })
    .optional(),
  GATEHOUSE_EMAIL_FROM: z
    .string()
    .transform((v, ctx) => {
      const parsed = parseEmailAddress(v);
      if (!parsed) {
        ctx.addIssue({ code: 'custom', message: 'must be an email address, optionally with a name: Acme <no-reply@acme.example>' });
        return z.NEVER;
      }
      return parsed;
    })
    .optional(),
  GATEHOUSE_DEV_INBOX: z.enum(['0', '1'], 'must be 0 or 1 (or unset: on only for a local server)').optional(),
} as const;

type SettingName = keyof typeof settings;

function read<K extends SettingName>(env: NodeJS.ProcessEnv, name: K): z.output<(typeof settings)[K]> {
  const raw = env[name];
  const result = settings[name].safeParse(raw === '' ? undefined : raw);
  if (!result.success) {
    throw new ConfigError(name, result.error.issues[0]?.message ?? 'is invalid');
  }
  return result.data as z.output<(typeof settings)[K]>;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = read(env, 'PORT');
  const host = read(env, 'HOST');
  const publicUrlRaw = read(env, 'GATEHOUSE_PUBLIC_URL');
  const publicUrl = new URL(publicUrlRaw ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`);
  if (publicUrlRaw === undefined && (host === '0.0.0.0' || host === '::')) {
    // A wildcard bind address is not something a browser can reach.
    publicUrl.hostname = '127.0.0.1';
  }
  const applicationName = read(env, 'GATEHOUSE_APPLICATION_NAME');
  const smtpUrl = read(env, 'GATEHOUSE_SMTP_URL');
  return {
    port,
    host,
    dataDir: path.resolve(read(env, 'GATEHOUSE_DATA_DIR')),
    databaseUrl: read(env, 'DATABASE_URL'),
    sqliteSynchronous: read(env, 'GATEHOUSE_SQLITE_SYNCHRONOUS'),
    extraSecretKey: read(env, 'GATEHOUSE_SECRET_KEY'),
    publicUrl,
    publicUrlExplicit: publicUrlRaw !== undefined,
    allowedOrigins: read(env, 'GATEHOUSE_ALLOWED_ORIGINS'),
    rateLimits: read(env, 'GATEHOUSE_RATE_LIMITS'),
    trustedProxies: read(env, 'GATEHOUSE_TRUSTED_PROXIES'),
    rateLimitStore: rateLimitStoreFrom(read(env, 'GATEHOUSE_RATE_LIMIT_STORE'), read(env, 'REDIS_URL')),
    logLevel: read(env, 'GATEHOUSE_LOG_LEVEL'),
    applicationName,
    passwordMinLength: read(env, 'GATEHOUSE_PASSWORD_MIN_LENGTH'),
    lockout: {
      maxAttempts: read(env, 'GATEHOUSE_LOCKOUT_MAX_ATTEMPTS'),
      durationSeconds: read(env, 'GATEHOUSE_LOCKOUT_DURATION_SECONDS'),
    },
    bodyLimitBytes: read(env, 'GATEHOUSE_BODY_LIMIT_BYTES'),
    encryptionKey: read(env, 'GATEHOUSE_ENCRYPTION_KEY'),
    sessions: {
      lifetimeSeconds: read(env, 'GATEHOUSE_SESSION_LIFETIME_SECONDS'),
      inactivityTimeoutSeconds: read(env, 'GATEHOUSE_SESSION_INACTIVITY_TIMEOUT_SECONDS'),
      tokenLifetimeSeconds: read(env, 'GATEHOUSE_SESSION_TOKEN_LIFETIME_SECONDS'),
      tokenVersion: read(env, 'GATEHOUSE_SESSION_TOKEN_VERSION'),
    },
    signingKeyGraceSeconds: read(env, 'GATEHOUSE_SIGNING_KEY_GRACE_SECONDS'),
    webhooksAllowPrivate: read(env, 'GATEHOUSE_WEBHOOKS_ALLOW_PRIVATE'),
    mcp: {
      http: read(env, 'GATEHOUSE_MCP_HTTP'),
      readOnly: read(env, 'GATEHOUSE_MCP_READ_ONLY'),
      allowPrivateMetadata: read(env, 'GATEHOUSE_MCP_ALLOW_PRIVATE_METADATA'),
    },
    email: {
      smtpUrl,
      from: read(env, 'GATEHOUSE_EMAIL_FROM') ?? defaultEmailFrom(applicationName, publicUrl),
      devInbox: devInboxServed(read(env, 'GATEHOUSE_DEV_INBOX'), smtpUrl, publicUrl, host),
    },
  };
}

export const SETTING_NAMES = Object.keys(settings) as SettingName[];
