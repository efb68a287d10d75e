import { randomInt } from 'node:crypto';
import { createTransport } from 'nodemailer';
import type { Logger } from 'pino';
import type { Store } from '../store/db.js';
import {
  claimDueEmails,
  hasDueEmail,
  markEmailFailed,
  markEmailSent,
  scheduleEmailRetry,
  type ClaimedEmail,
} from '../store/repositories/email-outbox-repository.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Waits after the 1st, 2nd, … failed attempt; after the last step, every hour for as long as it
 * takes. A message is never given up on while the server might still take it: only a recipient
 * the server refuses for good (a 5xx to RCPT TO) ends as `failed`.
 */
export const DEFAULT_MAIL_RETRY_SCHEDULE_MS: readonly number[] = [5 * SECOND, 30 * SECOND, 2 * MINUTE, 10 * MINUTE, 30 * MINUTE, HOUR];

/** A sender as nodemailer takes it; it encodes the name. */
export interface MailSender {
  name: string | null;
  address: string;
}

export interface MailDispatcherOptions {
  store: Store;
  logger: Logger;
  /** GATEHOUSE_SMTP_URL. Undefined: every message goes to the development inbox instead. */
  smtpUrl: URL | undefined;
  /** GATEHOUSE_EMAIL_FROM, for messages that name no sender of their own. */
  from: MailSender;
  retryScheduleMs?: readonly number[];
  intervalMs?: number;
  /** Messages claimed per pass (and SMTP connections kept open at most). */
  batchSize?: number;
  /** How long a claimed message stays invisible to other processes; longer than a send can take. */
  lockMs?: number;
  /** Connect, greeting and socket-inactivity timeout of the SMTP conversation. */
  smtpTimeoutMs?: number;
  now?: () => number;
}

/** A pooled SMTP transport: connections stay open between messages, up to `maxConnections`. */
function smtpTransport(url: URL, maxConnections: number, timeoutMs: number) {
  return createTransport({
    // nodemailer reads host, port, TLS (smtps: is TLS from the start, smtp: upgrades with STARTTLS
    // when the server offers it), credentials and further options from the URL's query.
    url: url.href,
    pool: true,
    maxConnections,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  command?: string;
  message: string;
}

function asSmtpError(error: unknown): SmtpError {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const e = error as { code?: unknown; responseCode?: unknown; command?: unknown; message?: unknown };
  return {
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.responseCode === 'number' ? { responseCode: e.responseCode } : {}),
    ...(typeof e.command === 'string' ? { command: e.command } : {}),
    message: typeof e.message === 'string' ? e.message : String(error),
  };
}

/** The URL with its password replaced, for logs. */
export function redactedSmtpUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = 'redacted';
  return copy.href;
}

/**
 * Delivers the email outbox: claims due messages with a lease (so several processes share the
 * queue and a crashed one's messages come back when its lease lapses), hands each to the SMTP
 * server, and records the outcome. A message counts as sent only once the server has accepted
 * it; until then it is retried on the schedule, so nothing queued is lost (at least once: a
 * crash between the server's acceptance and the record sends it again).
 *
 * Without an SMTP server the messages are delivered to the development inbox: kept, bodies and
 * all, for `GET /dev/inbox`, and written to the log.
 */
export class MailDispatcher {
  private readonly store: Store;
  private readonly logger: Logger;
  private readonly from: MailSender;
  private readonly schedule: readonly number[];
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly lockMs: number;
  private readonly now: () => number;
  private readonly transporter: ReturnType<typeof smtpTransport> | undefined;
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(options: MailDispatcherOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.from = options.from;
    this.schedule = options.retryScheduleMs ?? DEFAULT_MAIL_RETRY_SCHEDULE_MS;
    this.intervalMs = options.intervalMs ?? 500;
    this.batchSize = options.batchSize ?? 10;
    this.lockMs = options.lockMs ?? 5 * MINUTE;
    this.now = options.now ?? Date.now;
    const timeout = options.smtpTimeoutMs ?? 30 * SECOND;
    this.transporter = options.smtpUrl ? smtpTransport(options.smtpUrl, Math.min(this.batchSize, 5), timeout) : undefined;
  }

  start(): void {
    this.scheduleNext(this.intervalMs);
  }

  /**
   * Stops claiming and aborts sends in progress; their claims lapse and another pass (here after
   * a restart, or in another process) sends them again. Resolves once nothing touches the store.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    this.transporter?.close();
  }

  private scheduleNext(delayMs: number): void {
    if (this.stopping.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.ticking = this.tick()
        .catch((error: unknown) => {
          this.logger.warn({ err: error }, 'mail dispatcher pass failed');
          return false;
        })
        .then((more) => {
          this.ticking = undefined;
          this.scheduleNext(more ? 0 : this.intervalMs);
        });
    }, delayMs);
    // The loop alone must not keep the process alive.
    this.timer.unref();
  }

  /**
   * One pass: claim the due messages and deliver them. Exposed for tests. Returns whether a full
   * batch was claimed, so the next pass should follow at once.
   */
  async tick(): Promise<boolean> {
    if (this.stopping.signal.aborted) return false;
    const now = this.now();
    if (!(await hasDueEmail(this.store.db, now))) return false;
    const claimed = await claimDueEmails(this.store.db, this.store.dialect, now, now + this.lockMs, this.batchSize);
    await Promise.all(
      claimed.map((email) => this.deliver(email).catch((error: unknown) => this.logger.warn({ err: error, email_id: email.id }, 'email delivery failed to record'))),
    );
    return claimed.length === this.batchSize;
  }

  private async deliver(email: ClaimedEmail): Promise<void> {
    const attempts = email.attempts + 1;
    if (!this.transporter) {
      const delivered = await markEmailSent(this.store.db, email.id, { transport: 'inbox', attempts, sentAt: this.now(), keepBodies: true });
      if (!delivered) return;
      // Development mode only (no GATEHOUSE_SMTP_URL): the one place a code or a link is
      // logged, so a developer without the inbox page still sees what would have been sent.
      // With SMTP configured nothing here runs and no body is ever logged.
      this.logger.info(
        { email_id: email.id, kind: email.kind, to: email.to_address, subject: email.subject, text: email.text_body },
        'email delivered to the development inbox (no GATEHOUSE_SMTP_URL)',
      );
      return;
    }
    let failure: SmtpError | undefined;
    try {
      const info = await this.transporter.sendMail({
        from: email.from_address ?? (this.from.name ? { name: this.from.name, address: this.from.address } : this.from.address),
        to: email.to_address,
        subject: email.subject,
        text: email.text_body ?? '',
        ...(email.html_body !== null ? { html: email.html_body } : {}),
        signal: this.stopping.signal,
      });
      if (info.accepted.length === 0) failure = { code: 'EENVELOPE', message: 'the server accepted no recipient' };
    } catch (error) {
      failure = asSmtpError(error);
    }
    // Cut short by shutdown: leave the claim to lapse so this or another process sends it again.
    if (this.stopping.signal.aborted && failure) return;
    const now = this.now();
    if (!failure) {
      await markEmailSent(this.store.db, email.id, { transport: 'smtp', attempts, sentAt: now, keepBodies: false });
      this.logger.debug({ email_id: email.id, kind: email.kind, attempts }, 'email sent');
      return;
    }
    const lastError = `${failure.code ?? 'Error'}: ${failure.message}`.slice(0, 1000);
    // Reply texts to MAIL FROM and RCPT TO often quote the address: keep them out of the log.
    const loggable = { email_id: email.id, attempts, code: failure.code, response_code: failure.responseCode, command: failure.command };
    const envelopeReply = failure.command === 'RCPT TO' || failure.command === 'MAIL FROM';
    if (failure.command === 'RCPT TO' && failure.responseCode !== undefined && failure.responseCode >= 500) {
      await markEmailFailed(this.store.db, email.id, email.locked_until, { attempts, lastError });
      this.logger.warn(loggable, 'email not sent: the SMTP server refused the recipient for good');
      return;
    }
    const wait = this.schedule[Math.min(attempts, this.schedule.length) - 1] ?? HOUR;
    await scheduleEmailRetry(this.store.db, email.id, email.locked_until, { attempts, nextAttemptAt: now + jittered(wait), lastError });
    this.logger.warn({ ...loggable, ...(envelopeReply ? {} : { error: failure.message }), retry_in_ms: wait }, 'email not sent yet: will retry');
  }
}

/** ±10 % so messages that failed together do not all retry in the same instant. */
function jittered(ms: number): number {
  const spread = Math.floor(ms / 10);
  return spread > 0 ? ms - spread + randomInt(0, 2 * spread + 1) : ms;
}
