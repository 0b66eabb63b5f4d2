// The Mailu API client against the Mailu API test server (Mailu 2024.06's routes, auth and error
// shapes), and the checks every name and key from the API passes before it can become a record.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../../src/operator/clock.js';
import { MailuApiClient, MailuApiError } from '../../src/operator/mailu-api/client.js';
import { apiDomainName, parseDkim, snapshotFrom } from '../../src/operator/mailu-api/snapshot.js';
import { fakeDkimKey, MailuApiServer } from '../support/mailu-api-server.js';

async function withServer(fn: (api: MailuApiServer) => Promise<void>, opts?: ConstructorParameters<typeof MailuApiServer>[0]): Promise<void> {
  const api = await new MailuApiServer(opts).start();
  try {
    await fn(api);
  } finally {
    await api.stop();
  }
}

function client(api: MailuApiServer, over: Partial<ConstructorParameters<typeof MailuApiClient>[0]> = {}): MailuApiClient {
  return new MailuApiClient({ baseUrl: api.url, token: api.opts.token, timeoutMs: 1000, clock: systemClock, ...over });
}

async function failure(p: Promise<unknown>): Promise<MailuApiError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MailuApiError, String(e));
    return e;
  }
  throw new Error('expected a failure');
}

describe('Mailu API test server: 2024.06 routes, fields and auth', () => {
  it('401 without Authorization, 403 for a wrong token (with or without "Bearer "), 429 once rate-limited', () =>
    withServer(
      async (api) => {
        const get = (headers: Record<string, string>) => fetch(`${api.url}/domain`, { headers });
        const none = await get({});
        assert.equal(none.status, 401);
        assert.deepEqual(await none.json(), { message: 'A valid Authorization header is mandatory' });
        const wrong = await get({ authorization: 'Bearer nope' });
        assert.equal(wrong.status, 403);
        assert.deepEqual(await wrong.json(), { message: 'Invalid API token' });
        assert.equal((await get({ authorization: api.opts.token })).status, 200, 'Mailu only strips a "Bearer " prefix');
        assert.equal((await get({ authorization: 'Bearer x' })).status, 403);
        assert.equal((await get({ authorization: `Bearer ${api.opts.token}` })).status, 429, 'after 2 invalid tokens the address is limited');
      },
      { rateLimitAfter: 2 },
    ));

  it('lists leave out None fields; one domain has them as null; 404 and the GET 400-with-200 quirk', () =>
    withServer(async (api) => {
      api.addDomain('a.org', { dkim: true, alternatives: ['b.org'] });
      api.addDomain('c.org');
      const h = { authorization: `Bearer ${api.opts.token}` };
      const list = (await (await fetch(`${api.url}/domain`, { headers: h })).json()) as Record<string, unknown>[];
      const c = list.find((d) => d.name === 'c.org')!;
      assert.ok(!('dns_dkim' in c) && !('dns_dmarc' in c) && !('comment' in c));
      assert.equal(c.dns_mx, 'c.org. 600 IN MX 10 mail.example.com.');
      assert.equal(c.dns_spf, 'c.org. 600 IN TXT "v=spf1 mx a:mail.example.com ~all"');
      const a = list.find((d) => d.name === 'a.org')!;
      assert.deepEqual(a.alternatives, ['b.org']);
      assert.equal(a.dns_dmarc_report, 'a.org._report._dmarc.example.com. 600 IN TXT "v=DMARC1;"');
      const one = (await (await fetch(`${api.url}/domain/c.org`, { headers: h })).json()) as Record<string, unknown>;
      assert.equal(one.dns_dkim, null);
      const missing = await fetch(`${api.url}/domain/none.org`, { headers: h });
      assert.equal(missing.status, 404);
      assert.deepEqual(await missing.json(), { code: 404, message: 'Domain none.org does not exist' });
      const invalid = await fetch(`${api.url}/domain/not_valid`, { headers: h });
      assert.equal(invalid.status, 200);
      assert.equal(((await invalid.json()) as { code: number }).code, 400);
      assert.deepEqual(await (await fetch(`${api.url}/alternative`, { headers: h })).json(), [{ name: 'b.org', domain: 'a.org' }]);
      assert.equal((await fetch(`${api.url}/nothing`, { headers: h })).status, 404);
    }));
});

describe('Mailu API client', () => {
  it('reads domains and alternatives and generates a key with the bearer token', () =>
    withServer(async (api) => {
      api.addDomain('a.org', { alternatives: ['b.org'] });
      const seen: string[] = [];
      const c = client(api, { onRequest: (route, code) => seen.push(`${route} ${code}`) });
      assert.equal(((await c.listDomains()) as unknown[]).length, 1);
      assert.deepEqual(await c.listAlternatives(), [{ name: 'b.org', domain: 'a.org' }]);
      await c.generateDkim('a.org');
      assert.ok(api.key('a.org'));
      assert.deepEqual(seen, ['domain 200', 'alternative 200', 'domain/dkim 200']);
      assert.ok(api.requests.every((r) => r.authorization === `Bearer ${api.opts.token}`));
      c.close();
    }));

  it('maps failures: status kinds, Mailu\'s message, Retry-After, timeouts, refused connections, oversize and non-JSON answers', () =>
    withServer(async (api) => {
      const c = client(api, { timeoutMs: 200, maxBytes: 4096 });
      let e = await failure(client(api, { token: 'bad-token' }).listDomains());
      assert.deepEqual([e.kind, e.status], ['forbidden', 403]);
      assert.match(e.message, /Invalid API token/);
      e = await failure(c.generateDkim('none.org'));
      assert.deepEqual([e.kind, e.status], ['not-found', 404]);
      api.fail(429, 1, { retryAfter: 7, body: JSON.stringify({ message: 'Too many attempts from your IP (rate-limit)' }) });
      e = await failure(c.listDomains());
      assert.deepEqual([e.kind, e.retryAfterMs], ['rate-limited', 7000]);
      api.fail(500, 1, { body: '<p>Error: API_TOKEN is not configured</p>' });
      e = await failure(c.listDomains());
      assert.equal(e.kind, 'server');
      assert.match(e.message, /API_TOKEN is not configured/);
      api.fail(200, 1, { body: 'not json' });
      assert.equal((await failure(c.listDomains())).kind, 'shape');
      for (let i = 0; i < 40; i++) api.addDomain(`d${i}.org`, { dkim: true });
      assert.equal((await failure(c.listDomains())).kind, 'too-large');
      api.delayMs = 600;
      assert.equal((await failure(c.listAlternatives())).kind, 'timeout');
      api.heal();
      api.hang = true;
      assert.equal((await failure(c.listAlternatives())).kind, 'timeout');
      api.heal();
      await api.down();
      assert.equal((await failure(c.listAlternatives())).kind, 'network');
      c.close();
    }));
});

describe('names and keys from the API', () => {
  it('only host names pass; case and IDN are canonicalised; anything else is refused with a reason', () => {
    const ok: Array<[string, string]> = [
      ['example.org', 'example.org'],
      ['Mail.Example.ORG', 'mail.example.org'],
      ['bücher.example', 'xn--bcher-kva.example'],
      ['x.example.com.attacker.net', 'x.example.com.attacker.net'],
    ];
    for (const [raw, name] of ok) assert.deepEqual(apiDomainName(raw), { name }, raw);
    const bad = ['evil.com\n', '\tevil.com', 'evil .com', 'evil.com.', '*.example.com', '_dmarc.example.com', 'a..b', `${'a'.repeat(64)}.org`, `${'abcdefghi.'.repeat(25)}org`, '192.0.2.1', '[::1]', 'localhost', 'example.123', 'ex/ample.org', 'ex\u200bample.org', '', 42, null];
    for (const raw of bad) assert.ok('why' in apiDomainName(raw), JSON.stringify(raw));
  });

  it('dns_dkim: only the selector name of that domain with a plain RSA key', () => {
    const key = fakeDkimKey('k');
    assert.deepEqual(parseDkim(`dkim._domainkey.a.org. 600 IN TXT "v=DKIM1; k=rsa; p=${key}"`, 'a.org', 'dkim'), { value: `v=DKIM1; k=rsa; p=${key}` });
    assert.deepEqual(parseDkim(undefined, 'a.org', 'dkim'), {});
    assert.deepEqual(parseDkim(null, 'a.org', 'dkim'), {});
    for (const bad of [
      `dkim._domainkey.b.org. 600 IN TXT "v=DKIM1; k=rsa; p=${key}"`,
      `mail._domainkey.a.org. 600 IN TXT "v=DKIM1; k=rsa; p=${key}"`,
      `dkim._domainkey.a.org. 600 IN TXT "v=DKIM1; k=rsa; p=${key}" "more"`,
      `dkim._domainkey.a.org. 600 IN TXT "v=DKIM1; k=rsa; p=${key}; x=1"`,
      `dkim._domainkey.a.org. 600 IN CNAME elsewhere.org.`,
      `dkim._domainkey.a.org. 600 IN TXT "v=DKIM1; k=rsa; p=short"`,
      42,
    ]) {
      assert.ok(parseDkim(bad, 'a.org', 'dkim').problem, String(bad));
    }
  });

  it('the snapshot: sorted, duplicates merged, alternatives that are also domains dropped, the hash a change detector', () => {
    const key = fakeDkimKey('k');
    const domains = [{ name: 'b.org' }, { name: 'A.org', dns_dkim: `dkim._domainkey.A.org. 600 IN TXT "v=DKIM1; k=rsa; p=${key}"` }, { name: 'a.org' }, { name: 'bad.org.' }];
    const s = snapshotFrom(domains, [{ name: 'c.org', domain: 'b.org' }, { name: 'b.org', domain: 'a.org' }], 'dkim');
    assert.deepEqual(s.domains, [{ name: 'a.org', dkim: `v=DKIM1; k=rsa; p=${key}` }, { name: 'b.org' }]);
    assert.deepEqual(s.alternatives, [{ name: 'c.org', domain: 'b.org' }]);
    assert.deepEqual(s.rejected, [{ raw: '"bad.org."', what: 'domain', why: 'ends with a dot' }]);
    assert.equal(snapshotFrom([...domains].reverse(), [{ name: 'c.org', domain: 'b.org' }], 'dkim').hash, s.hash, 'order does not count');
    assert.notEqual(snapshotFrom(domains.slice(1), [], 'dkim').hash, s.hash);
    assert.throws(() => snapshotFrom({ message: 'x' }, [], 'dkim'), (e: unknown) => e instanceof MailuApiError && e.kind === 'shape');
  });
});
