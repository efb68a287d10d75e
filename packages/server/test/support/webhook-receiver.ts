import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
}

/** A receiver on 127.0.0.1: records every request; `answer` picks the status per request. */
export class Receiver {
  readonly received: Received[] = [];
  answer: (r: Omit<Received, 'status'>) => number = () => 200;
  /** Milliseconds to hold the reply (a slow receiver), or a promise the reply waits for. */
  delay: (r: Omit<Received, 'status'>) => number | Promise<void> = () => 0;
  /** While true, requests are recorded (status -1) and never answered: a receiver mid-request. */
  hold = false;
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const seen = { path: req.url ?? '/', headers, body: Buffer.concat(chunks).toString('utf8') };
      if (this.hold) {
        this.received.push({ ...seen, status: -1 });
        return;
      }
      const status = this.answer(seen);
      this.received.push({ ...seen, status });
      const wait = this.delay(seen);
      if (wait === 0) res.writeHead(status).end();
      else if (typeof wait === 'number') setTimeout(() => res.writeHead(status).end(), wait).unref();
      else void wait.then(() => res.writeHead(status).end());
    });
  });

  async listen(port = 0): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Successful requests for a path, one per svix-id (a receiver de-duplicating on it). */
  delivered(path: string): Received[] {
    const byId = new Map<string, Received>();
    for (const r of this.received) if (r.path === path && r.status >= 200 && r.status < 300 && !byId.has(r.headers['svix-id'] ?? '')) byId.set(r.headers['svix-id'] ?? '', r);
    return [...byId.values()];
  }
}
