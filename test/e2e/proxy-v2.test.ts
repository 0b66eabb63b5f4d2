// The hand-written PROXY v2 header (test/support/e2e/proxy-v2.ts) is byte for byte what a real
// sender writes: haproxy's `send-proxy-v2` (no TLVs by default) is captured on loopback and
// compared with our header for the same connection, IPv4 and IPv6.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test, type TestContext } from 'node:test';
import { haproxyMissing, startHaproxy } from '../support/e2e/haproxy.js';
import { tempDir } from '../support/e2e/processes.js';
import { PROXY_V2_SIGNATURE, proxyV2Header } from '../support/e2e/proxy-v2.js';

test('header layout (spec section 2.2): signature, version/command, family/transport, length, addresses', () => {
  const h = proxyV2Header({ sourceAddress: '192.0.2.1', sourcePort: 1234, destinationAddress: '198.51.100.2', destinationPort: 25 });
  assert.deepEqual(h.subarray(0, 12), PROXY_V2_SIGNATURE);
  assert.equal(h[12], 0x21, 'version 2, PROXY command');
  assert.equal(h[13], 0x11, 'AF_INET, STREAM');
  assert.equal(h.readUInt16BE(14), 12);
  assert.equal(h.length, 28);
  assert.deepEqual([...h.subarray(16, 24)], [192, 0, 2, 1, 198, 51, 100, 2]);
  assert.equal(h.readUInt16BE(24), 1234);
  assert.equal(h.readUInt16BE(26), 25);
  const h6 = proxyV2Header({ sourceAddress: '2001:db8::1', sourcePort: 1, destinationAddress: '::1', destinationPort: 2 });
  assert.equal(h6[13], 0x21, 'AF_INET6, STREAM');
  assert.equal(h6.readUInt16BE(14), 36);
  assert.equal(h6.subarray(16, 32).toString('hex'), '20010db8000000000000000000000001');
  assert.equal(h6.subarray(32, 48).toString('hex'), '00000000000000000000000000000001');
  assert.throws(() => proxyV2Header({ sourceAddress: '192.0.2.1', sourcePort: 1, destinationAddress: '::1', destinationPort: 2 }));
});

/** What haproxy writes before the payload when relaying one connection from `client`. */
async function captureHaproxyHeader(t: TestContext, host: string, client: string, proxySource: string) {
  // haproxy relays every connection, our readiness probe's too: keep the one carrying the payload.
  let resolveBytes!: (b: Buffer) => void;
  const bytes = new Promise<Buffer>((r) => (resolveBytes = r));
  const open = new Set<net.Socket>();
  const server = net.createServer((s) => {
    open.add(s);
    let got = Buffer.alloc(0);
    s.on('error', () => s.destroy());
    s.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.includes('PAYLOAD')) resolveBytes(got);
    });
  });
  t.after(() => new Promise((r) => {
    for (const s of open) s.destroy();
    server.close(r);
  }));
  await new Promise<void>((r) => server.listen(0, host, r));
  const target = (server.address() as net.AddressInfo).port;
  const hp = await startHaproxy(t, tempDir(t, 'mailu-proxyv2'), [{ target, kind: 'tcp-proxy-v2' }], proxySource, host);
  const entry = hp.entry.get(target)!;
  const sock = net.connect({ host, port: entry, localAddress: client });
  t.after(() => sock.destroy());
  const localPort = await new Promise<number>((r) => sock.once('connect', () => r(sock.localPort!)));
  sock.write('PAYLOAD');
  return { bytes: await bytes, localPort, entry };
}

function canBind(host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(0, host, () => s.close(() => resolve(true)));
  });
}

for (const [family, host, client] of [['IPv4', '127.0.0.1', '127.0.0.20'], ['IPv6', '::1', '::1']] as const) {
  test(`our header equals haproxy's send-proxy-v2 (${family})`, async (t) => {
    const missing = haproxyMissing();
    if (missing) return t.skip(`${missing}: header not compared with a real sender`);
    if (!(await canBind(host))) return t.skip(`${host} not available here: ${family} header not compared`);
    const { bytes, localPort, entry } = await captureHaproxyHeader(t, host, client, host === '::1' ? '::1' : '127.0.0.10');
    const ours = proxyV2Header({ sourceAddress: client, sourcePort: localPort, destinationAddress: host, destinationPort: entry });
    assert.equal(bytes.subarray(0, ours.length).toString('hex'), ours.toString('hex'));
    assert.equal(bytes.subarray(ours.length).toString(), 'PAYLOAD', 'no TLVs or padding between header and payload');
  });
}
