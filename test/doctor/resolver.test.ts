// The resolver adapter over the loopback DNS server: answers, NXDOMAIN vs NODATA vs server
// failures kept apart, sharing of answers, the mailauth adapter's error codes, option parsing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  cachingResolver,
  canonicalIp,
  createNodeResolver,
  DoctorInputError,
  errorCodeOf,
  mailauthResolver,
  parseResolverSpec,
} from '../../src/doctor/resolver.js';
import { reverseName } from '../../src/dns/plan.js';
import { reverseNameOf, startDnsServer } from '../support/dns-server.js';
import { DOMAIN, FRONT4, FRONT6, HOST, zones } from './fixtures.js';

describe('node resolver adapter', () => {
  test('answers and the three kinds of "no answer"', async () => {
    const server = await startDnsServer({ zones: zones(), rules: [{ name: 'broken.example.com', action: 'servfail' }, { name: 'denied.example.com', action: 'refused' }] });
    try {
      const r = createNodeResolver({ servers: [server.server], timeoutMs: 500, tries: 1 });
      assert.deepEqual(await r.query(DOMAIN, 'MX'), { kind: 'ok', records: [{ priority: 10, exchange: HOST }] });
      assert.deepEqual(await r.query(HOST, 'AAAA'), { kind: 'ok', records: [FRONT6] });
      assert.deepEqual(await r.query(reverseName(FRONT4), 'PTR'), { kind: 'ok', records: [HOST] });
      assert.deepEqual(await r.query(`nothing.${DOMAIN}`, 'TXT'), { kind: 'nxdomain' });
      assert.deepEqual(await r.query(HOST, 'MX'), { kind: 'nodata' });
      // an empty non-terminal exists: NODATA, not NXDOMAIN
      assert.deepEqual(await r.query(`_domainkey.${DOMAIN}`, 'TXT'), { kind: 'nodata' });
      const sf = await r.query('broken.example.com', 'A');
      assert.equal(sf.kind === 'error' && sf.code, 'servfail');
      const rf = await r.query('denied.example.com', 'A');
      assert.equal(rf.kind === 'error' && rf.code, 'refused');
      server.setMode('drop');
      const to = await r.query(`x.${DOMAIN}`, 'A');
      assert.equal(to.kind === 'error' && to.code, 'timeout');
      await server.close();
      const down = await r.query(`y.${DOMAIN}`, 'A');
      assert.equal(down.kind === 'error' && down.code, 'unreachable');
    } finally {
      await server.close();
    }
  });

  test('the cache shares in-flight queries and the mailauth adapter throws node-style codes', async () => {
    const server = await startDnsServer({ zones: zones() });
    try {
      const r = cachingResolver(createNodeResolver({ servers: [server.server], timeoutMs: 500, tries: 1 }));
      const [a, b] = await Promise.all([r.query(HOST, 'A'), r.query(`${HOST}.`, 'A')]);
      assert.deepEqual(a, b);
      assert.equal(r.sent, 1);
      assert.equal(server.queries.filter((q) => q.name === HOST && q.type === 'A').length, 1);
      const trace: string[] = [];
      const fn = mailauthResolver(r, (e) => trace.push(`${e.type} ${e.name} ${e.outcome}`));
      assert.deepEqual(await fn(DOMAIN, 'MX'), [{ priority: 10, exchange: HOST }]);
      assert.equal(errorCodeOf(await fn(`nope.${DOMAIN}`, 'TXT').catch((e: unknown) => e)), 'ENOTFOUND');
      assert.equal(errorCodeOf(await fn(HOST, 'MX').catch((e: unknown) => e)), 'ENODATA');
      assert.deepEqual(trace, [`MX ${DOMAIN} ok`, `TXT nope.${DOMAIN} nxdomain`, `MX ${HOST} nodata`]);
    } finally {
      await server.close();
    }
  });
});

describe('helpers', () => {
  test('--resolver syntax', () => {
    assert.equal(parseResolverSpec('127.0.0.1'), '127.0.0.1:53');
    assert.equal(parseResolverSpec('127.0.0.1:5353'), '127.0.0.1:5353');
    assert.equal(parseResolverSpec('::1'), '[::1]:53');
    assert.equal(parseResolverSpec('[2606:4700:4700::1111]:53'), '[2606:4700:4700::1111]:53');
    assert.throws(() => parseResolverSpec('dns.google'), (e: unknown) => e instanceof DoctorInputError && /expected an IP address/.test(e.message));
    assert.throws(() => parseResolverSpec('127.0.0.1:0'), /port must be 1-65535/);
  });

  test('reverse names match the test server\'s independent implementation', () => {
    assert.equal(reverseName('203.0.113.10'), '10.113.0.203.in-addr.arpa');
    assert.equal(reverseName('2001:db8::10'), '0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
    for (const ip of ['192.0.2.1', '2001:db8:1:2::ff', '2001:db8::']) assert.equal(reverseName(ip), reverseNameOf(ip));
    // an IPv4-mapped address is reversed as the IPv4 address it is
    assert.equal(reverseName('::ffff:192.0.2.1'), '1.2.0.192.in-addr.arpa');
    assert.equal(canonicalIp('2001:DB8:0:0::10'), '2001:db8::10');
    assert.equal(canonicalIp('::ffff:192.0.2.1'), '192.0.2.1');
  });
});
