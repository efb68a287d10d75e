import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** A message as the peer received it: the envelope, the raw text and the decoded parts tests read. */
export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  raw: string;
  headers: Record<string, string>;
  subject: string;
  text: string | undefined;
  html: string | undefined;
}

/** How the peer answers; `accept` takes everything. */
export type PeerAnswer = 'accept' | { refuse: 'connect' | 'rcpt' | 'data'; code: number; message?: string };

/** An error smtp-server turns into the SMTP reply `code message`. */
function smtpReply(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

/**
 * A real SMTP server on a loopback port, for the mail dispatcher to talk to: it records what it
 * accepts, and `answer` makes it refuse at connect, RCPT TO or DATA with a chosen reply code.
 */
export class SmtpPeer {
  readonly received: ReceivedMail[] = [];
  /** Every RCPT TO it was offered, accepted or not (attempts). */
  readonly offered: string[] = [];
  answer: (recipient: string | undefined) => PeerAnswer = () => 'accept';
  private server: SMTPServer | undefined;

  constructor(private readonly auth?: { user: string; pass: string }) {}

  /** Listens on `port` (0: a free one) on 127.0.0.1 and returns the port. */
  async listen(port = 0): Promise<number> {
    const options: SMTPServerOptions = {
      logger: false,
      // Plain SMTP on loopback: no STARTTLS offered, so the client does not try it.
      disabledCommands: this.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !this.auth,
      allowInsecureAuth: true,
      // Connections still open (the dispatcher pools them) are cut at once when the peer closes.
      closeTimeout: 50,
      onAuth: (auth, _session, callback) => {
        if (this.auth && auth.username === this.auth.user && auth.password === this.auth.pass) return callback(null, { user: auth.username });
        callback(smtpReply(535, 'Authentication failed'));
      },
      onConnect: (_session, callback) => {
        const answer = this.answer(undefined);
        if (answer !== 'accept' && answer.refuse === 'connect') return callback(smtpReply(answer.code, answer.message ?? 'Try again later'));
        callback();
      },
      onRcptTo: (address, _session, callback) => {
        this.offered.push(address.address);
        const answer = this.answer(address.address);
        if (answer !== 'accept' && answer.refuse === 'rcpt') return callback(smtpReply(answer.code, answer.message ?? 'Recipient refused'));
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const to = session.envelope.rcptTo.map((r) => r.address);
          const answer = this.answer(to[0]);
          if (answer !== 'accept' && answer.refuse === 'data') return callback(smtpReply(answer.code, answer.message ?? 'Try again later'));
          const from = session.envelope.mailFrom;
          this.received.push({ ...parseMessage(Buffer.concat(chunks).toString('utf8')), envelopeFrom: from ? from.address : '', envelopeTo: to });
          callback();
        });
      },
    };
    const server = new SMTPServer(options);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      let listening = false;
      // smtp-server re-emits socket and listen errors; a client dropping a connection is no failure here.
      server.on('error', (error) => {
        if (!listening) reject(error);
      });
      server.listen(port, '127.0.0.1', () => {
        listening = true;
        resolve();
      });
    });
    return (server.server.address() as AddressInfo).port;
  }

  /** What reached `address`. */
  to(address: string): ReceivedMail[] {
    return this.received.filter((m) => m.envelopeTo.includes(address));
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

interface Part {
  headers: Record<string, string>;
  body: string;
}

function splitHeaders(raw: string): Part {
  const end = raw.indexOf('\r\n\r\n');
  const head = end === -1 ? raw : raw.slice(0, end);
  const body = end === -1 ? '' : raw.slice(end + 4);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const soft = text.replace(/=\r\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i]!;
    if (c === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeBody(part: Part): string {
  const encoding = (part.headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const decoded = encoding === 'quoted-printable' ? decodeQuotedPrintable(part.body) : encoding === 'base64' ? Buffer.from(part.body, 'base64').toString('utf8') : part.body;
  return decoded.replace(/\r\n/g, '\n');
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`) in a header. */
export function decodeHeader(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _charset: string, kind: string, data: string) =>
      kind.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}

function collect(part: Part, out: { text?: string; html?: string }): void {
  const type = part.headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.toLowerCase().startsWith('multipart/') && boundary) {
    const sections = part.body.split(`--${boundary}`).slice(1);
    for (const section of sections) {
      if (section.startsWith('--')) break;
      collect(splitHeaders(section.replace(/^\r\n/, '').replace(/\r\n$/, '')), out);
    }
    return;
  }
  if (type.toLowerCase().startsWith('text/html')) out.html ??= decodeBody(part);
  else if (type.toLowerCase().startsWith('text/plain')) out.text ??= decodeBody(part);
}

function parseMessage(raw: string): Omit<ReceivedMail, 'envelopeFrom' | 'envelopeTo'> {
  const top = splitHeaders(raw);
  const out: { text?: string; html?: string } = {};
  collect(top, out);
  return { raw, headers: top.headers, subject: decodeHeader(top.headers.subject ?? ''), text: out.text, html: out.html };
}
