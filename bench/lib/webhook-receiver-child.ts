/**
 * Webhook receiver for the webhooks bench, in its own process so its receipt times are not
 * delayed by the server's event loop. It answers 204 at once and records, per svix-id, when the
 * request arrived and the event's own timestamp (set in the transaction that committed it).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type ReceiverRequest = { type: 'report' } | { type: 'stop' };
export type ReceiverMessage =
  | { type: 'listening'; port: number }
  | { type: 'report'; received: number; duplicates: number; lagsMs: number[]; firstAt: number; lastAt: number };

const seen = new Set<string>();
const lagsMs: number[] = [];
let received = 0;
let duplicates = 0;
let firstAt = 0;
let lastAt = 0;

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const at = Date.now();
    res.writeHead(204).end();
    received++;
    const id = String(req.headers['svix-id'] ?? '');
    if (seen.has(id)) {
      duplicates++;
      return;
    }
    seen.add(id);
    const { timestamp } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { timestamp: number };
    lagsMs.push(at - timestamp);
    if (firstAt === 0) firstAt = at;
    lastAt = at;
  });
});
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  const message: ReceiverMessage = { type: 'listening', port: (server.address() as AddressInfo).port };
  process.send?.(message);
});

process.on('message', (request: ReceiverRequest) => {
  if (request.type === 'report') {
    const message: ReceiverMessage = { type: 'report', received, duplicates, lagsMs, firstAt, lastAt };
    process.send?.(message);
  } else {
    server.closeAllConnections();
    server.close(() => process.disconnect());
  }
});
