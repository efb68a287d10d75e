/**
 * The webhook target classifier: every address form that reaches a loopback, private, link-local,
 * or otherwise non-public host is refused — IPv6 forms embedding IPv4 included — at save time and
 * at connect time; public unicast addresses pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedIpv4, ipv6Groups, isPrivateAddress } from '../../src/domain/webhooks/url-guard.js';
import { postWebhook } from '../../src/jobs/webhook-http.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const REFUSED: [string, string][] = [
  ['0.0.0.0', 'unspecified'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.1.2.3', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['100.64.0.1', 'shared address space (CGNAT)'],
  ['169.254.169.254', 'link-local (cloud metadata)'],
  ['192.0.0.8', 'IETF protocol assignments'],
  ['192.0.2.1', 'documentation'],
  ['198.51.100.7', 'documentation'],
  ['203.0.113.9', 'documentation'],
  ['198.18.0.1', 'benchmarking'],
  ['192.88.99.1', '6to4 relay anycast'],
  ['224.0.0.1', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'broadcast'],
  ['::', 'IPv6 unspecified'],
  ['::1', 'IPv6 loopback'],
  ['::7f00:1', 'IPv4-compatible loopback'],
  ['::127.0.0.1', 'IPv4-compatible loopback, dotted'],
  ['::a9fe:a9fe', 'IPv4-compatible metadata'],
  ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
  ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
  ['::ffff:10.0.0.1', 'IPv4-mapped private'],
  ['::ffff:0:7f00:1', 'IPv4-translated loopback'],
  ['::ffff:0:169.254.169.254', 'IPv4-translated metadata'],
  ['64:ff9b::7f00:1', 'NAT64 loopback'],
  ['64:ff9b::10.0.0.1', 'NAT64 private'],
  ['64:ff9b:1::1', 'local-use NAT64'],
  ['2002:7f00:1::', '6to4 of loopback'],
  ['2002:a9fe:a9fe::', '6to4 of the metadata address'],
  ['2002:c0a8:101::1', '6to4 of a private address'],
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo whose client is 127.0.0.1'],
  ['2001:0:a00:1::', 'Teredo whose server is 10.0.0.1'],
  ['2001:2::1', 'benchmarking'],
  ['2001:10::1', 'ORCHID'],
  ['2001:db8::1', 'documentation'],
  ['3fff::1', 'documentation (RFC 9637)'],
  ['100::1', 'discard'],
  ['5f00::1', 'SRv6 SIDs'],
  ['fc00::1', 'unique-local'],
  ['fd12:3456::1', 'unique-local'],
  ['fe80::1', 'link-local'],
  ['febf::1', 'link-local'],
  ['fec0::1', 'deprecated site-local'],
  ['feff::1', 'deprecated site-local'],
  ['ff02::1', 'multicast'],
  ['not an address', 'unparseable'],
];

const ALLOWED: [string, string][] = [
  ['8.8.8.8', 'public IPv4'],
  ['1.1.1.1', 'public IPv4'],
  ['172.32.0.1', 'just past 172.16/12'],
  ['2606:4700:4700::1111', 'public IPv6'],
  ['2a00:1450:4001:82a::200e', 'public IPv6'],
  ['::ffff:8.8.8.8', 'IPv4-mapped public'],
  ['64:ff9b::808:808', 'NAT64 of a public address'],
  ['2002:808:808::1', '6to4 of a public address'],
  ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', 'Teredo with public server and client (8.8.8.8)'],
];

describe('isPrivateAddress', () => {
  it.each(REFUSED)('refuses %s (%s)', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });
  it.each(ALLOWED)('allows %s (%s)', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it('reads every textual IPv6 form into the same groups', () => {
    expect(ipv6Groups('::ffff:127.0.0.1')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(ipv6Groups('0:0:0:0:0:ffff:7f00:0001')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(ipv6Groups('2002:7f00:1::')).toEqual([0x2002, 0x7f00, 1, 0, 0, 0, 0, 0]);
    expect(ipv6Groups('127.0.0.1')).toBeUndefined();
    expect(embeddedIpv4(ipv6Groups('2001:0:4136:e378:8000:63bf:80ff:fffe')!)).toEqual(['65.54.227.120', '127.0.0.1']);
  });
});

describe('webhook endpoints on disguised private addresses', () => {
  let strict: TestServer;
  beforeAll(async () => {
    strict = await startTestServer();
  });
  afterAll(async () => strict?.close());

  const hosts = ['[::7f00:1]', '[::127.0.0.1]', '[::ffff:0:7f00:1]', '[2002:7f00:1::]', '[2002:a9fe:a9fe::]', '[2001:0:4136:e378:8000:63bf:80ff:fffe]', '[fec0::1]', '[64:ff9b::a9fe:a9fe]', '0x7f.1', '2130706433'];

  it.each(hosts)('refuses http://%s/ when the endpoint is saved', async (host) => {
    const reply = await strict.request('POST', '/v1/webhook_endpoints', { body: { url: `http://${host}/hook` } });
    expect(reply.status).toBe(422);
    expect((reply.body as { errors: { code: string; meta: { param_name: string } }[] }).errors[0]).toMatchObject({ code: 'form_param_format_invalid', meta: { param_name: 'url' } });
  });

  it.each(hosts)('refuses http://%s/ when a delivery connects', async (host) => {
    const result = await postWebhook(new URL(`http://${host}:9/hook`), {}, '{}', { timeoutMs: 1000, allowPrivate: false, signal: new AbortController().signal });
    expect(result).toMatchObject({ statusCode: null, error: 'unsafe_target' });
  });
});
