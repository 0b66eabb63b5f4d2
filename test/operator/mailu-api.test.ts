// The operator keeps every Mailu domain's records true from Mailu's API (dns.operator.mailuApi),
// against the Kubernetes API test server and the Mailu API test server: one DNSEndpoint per
// domain, published when a domain appears, left alone while nothing changes, deleted when it goes;
// an API that fails keeps the last records; names from the API never place a record elsewhere.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MailuConfig } from '../../src/config/schema.js';
import { DOMAIN_ANNOTATION, belongsTo, domainEndpointName } from '../../src/operator/mailu-api/desired.js';
import type { Operator } from '../../src/operator/operator.js';
import { MAX_RECORD_EVENTS } from '../../src/operator/reconciler.js';
import type { KubeObject } from '../support/kube-api-server.js';
import { pod } from '../support/kube-fixtures.js';
import { fakeDkimKey, MailuApiServer } from '../support/mailu-api-server.js';
import { Cluster, metric, waitFor } from '../support/operator-harness.js';
import { operatorConfig } from '../support/operator-config.js';
import { validateManifest } from '../support/schema.js';

const INTERVAL_MS = 60;

interface Ep {
  dnsName: string;
  recordType: string;
  targets: string[];
  recordTTL?: number;
}

function apiConfig(over: { generateDkim?: boolean; domains?: unknown[] } = {}): MailuConfig {
  return operatorConfig({
    egress: { mode: 'nodeIps', nodeSelector: { mail: 'yes' } },
    ...(over.domains ? { domains: over.domains as never } : {}),
    operator: { mailuApi: { enabled: true, secret: { name: 'mailu-api' }, generateDkim: over.generateDkim ?? false } } as never,
  });
}

async function withSetup(fn: (c: Cluster, api: MailuApiServer) => Promise<void>, opts: { server?: ConstructorParameters<typeof MailuApiServer>[0] } = {}): Promise<void> {
  const c = await new Cluster().start();
  const api = await new MailuApiServer(opts.server).start();
  c.addNodes(['mx1', { externalIPs: ['198.51.100.11'], labels: { mail: 'yes' } }]);
  c.api.create('pods', pod('smtp-0', { component: 'smtp', nodeName: 'mx1', nodeSelector: { mail: 'yes' } }));
  try {
    await fn(c, api);
  } finally {
    await c.stop();
    await api.stop();
  }
}

function start(c: Cluster, api: MailuApiServer, config = apiConfig(), identity?: string, token = api.opts.token): Promise<Operator> {
  return c.startOperator({ config, identity, mailuApi: { url: api.url, token, intervalMs: INTERVAL_MS, timeoutMs: 500 } });
}

const nameOf = (domain: string) => domainEndpointName('mailu', domain);
const eps = (o: KubeObject | undefined): Ep[] => ((o?.spec as { endpoints?: Ep[] } | undefined)?.endpoints ?? []);
const domainObjects = (c: Cluster) => c.api.list('dnsendpoints', 'mailu').filter((o) => o.metadata.annotations?.[DOMAIN_ANNOTATION]);
const record = (o: KubeObject | undefined, name: string, type: string) => eps(o).find((e) => e.dnsName === name && e.recordType === type);

/** Waits until a counter of `op` is at least 1. */
async function waitForMetric(op: Operator, name: string, labels: Record<string, string>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await metric(op, name, labels)) < 1) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${name} ${JSON.stringify(labels)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits until the leader has polled `n` more times and acted on it. */
async function polls(c: Cluster, op: Operator, n: number): Promise<void> {
  const target = op.mailuApi!.polls + n;
  await waitFor(`${n} more polls`, () => op.mailuApi!.polls >= target);
  await op.mailuApi!.idle();
  await c.settle(op);
}

function assertValidAndContained(c: Cluster): void {
  for (const o of domainObjects(c)) {
    assert.deepEqual(validateManifest(o), [], o.metadata.name);
    const domain = o.metadata.annotations![DOMAIN_ANNOTATION]!;
    assert.equal(o.metadata.name, nameOf(domain));
    for (const e of eps(o)) assert.ok(belongsTo(e.dnsName, domain), `${e.dnsName} lies outside ${domain}`);
  }
}

describe('operator: records from Mailu\'s API', () => {
  it('publishes each domain once: the config\'s get their DKIM key only, Mailu\'s own get everything, alternatives MX + SPF', () =>
    withSetup(async (c, api) => {
      api.addDomain('example.com', { dkim: true });
      api.addDomain('other.org', { dkim: true, alternatives: ['other.net'] });
      api.addDomain('listed.net', { dkim: true });
      const op = await start(c, api, apiConfig({ domains: ['listed.net'] }));
      await c.waitLeader(op);
      await waitFor('three domains published', () => domainObjects(c).length === 4);
      await c.settle(op);
      assertValidAndContained(c);

      const primary = c.endpoint(nameOf('example.com'));
      assert.deepEqual(eps(primary).map((e) => `${e.recordType} ${e.dnsName}`), ['TXT dkim._domainkey.example.com']);
      assert.equal(record(primary, 'dkim._domainkey.example.com', 'TXT')!.targets[0], `v=DKIM1; k=rsa; p=${api.key('example.com')}`);
      const spf = c.targets('mailu-spf')[0];
      assert.equal(spf, 'v=spf1 ip4:198.51.100.11 ~all');

      const listed = c.endpoint(nameOf('listed.net'));
      assert.deepEqual(eps(listed).map((e) => `${e.recordType} ${e.dnsName}`).sort(), ['TXT dkim._domainkey.listed.net', 'TXT listed.net'], 'the plan has the rest');
      assert.deepEqual(record(listed, 'listed.net', 'TXT')!.targets, [spf]);

      const other = c.endpoint(nameOf('other.org'));
      assert.deepEqual(record(other, 'other.org', 'MX')!.targets, ['10 mail.example.com']);
      assert.deepEqual(record(other, 'other.org', 'TXT')!.targets, [spf], 'our SPF, not Mailu\'s "mx a:… ~all"');
      assert.match(record(other, '_dmarc.other.org', 'TXT')!.targets[0]!, /^v=DMARC1; p=reject/);
      assert.equal(record(other, 'dkim._domainkey.other.org', 'TXT')!.targets[0], `v=DKIM1; k=rsa; p=${api.key('other.org')}`);
      assert.deepEqual(record(other, 'autoconfig.other.org', 'CNAME')!.targets, ['mail.example.com']);
      assert.ok(record(other, '_imaps._tcp.other.org', 'SRV'));
      assert.equal(other!.metadata.labels!['app.kubernetes.io/component'], 'dns-operator');

      const alt = c.endpoint(nameOf('other.net'));
      assert.deepEqual(eps(alt).map((e) => `${e.recordType} ${e.dnsName}`).sort(), ['MX other.net', 'TXT other.net']);
      assert.equal(await metric(op, 'mailu_dns_operator_mailu_api_up'), 1);
      assert.equal(await metric(op, 'mailu_dns_operator_domain_endpoints', { kind: 'mailu' }), 1);
      assert.equal(c.events('MissingDkimKey').length, 0);
    }));

  it('a new domain is published, the steady state writes nothing, a removed domain\'s object is deleted', () =>
    withSetup(async (c, api) => {
      api.addDomain('example.com', { dkim: true });
      const op = await start(c, api);
      await c.waitLeader(op);
      await waitFor('primary', () => c.endpoint(nameOf('example.com')) !== undefined);
      await polls(c, op, 1);
      api.addDomain('new.org', { dkim: true });
      await waitFor('new.org published', () => c.endpoint(nameOf('new.org')) !== undefined);
      await polls(c, op, 1);
      const writes = c.history.length;
      const requests = api.requests.length;
      await polls(c, op, 5);
      assert.equal(c.history.length, writes, 'unchanged answers cause no write');
      assert.ok(api.requests.length - requests >= 10, 'it kept polling (two GETs per poll)');
      assert.ok(api.requests.every((r) => r.method === 'GET' && r.authorization === `Bearer ${api.opts.token}`));
      assert.ok(await metric(op, 'mailu_dns_operator_mailu_api_polls_total', { result: 'unchanged' }) >= 5);

      // A key Mailu generates later (admin UI) is published; the domain disappearing deletes the object.
      api.addDomain('later.org');
      await waitFor('later.org published without a key', () => c.endpoint(nameOf('later.org')) !== undefined);
      assert.equal(record(c.endpoint(nameOf('later.org')), 'dkim._domainkey.later.org', 'TXT'), undefined);
      await waitFor('MissingDkimKey event', () => c.events('MissingDkimKey').some((e) => String(e.message).includes('later.org')));
      api.setKey('later.org', fakeDkimKey('later'));
      await waitFor('key published', () => record(c.endpoint(nameOf('later.org')), 'dkim._domainkey.later.org', 'TXT') !== undefined);
      api.removeDomain('new.org');
      await waitFor('new.org deleted', () => c.endpoint(nameOf('new.org')) === undefined);
      assert.ok(c.endpoint(nameOf('later.org')) && c.endpoint(nameOf('example.com')));
      assert.equal(c.versions(nameOf('new.org')).filter((v) => v.type === 'DELETED').length, 1);
      assertValidAndContained(c);
      assert.equal(api.count('POST', '/api/v1/domain'), 0, 'no key generated without generateDkim');
    }));

  it('a periodic resync re-reads the per-domain objects with one paged list, never a read per object', () =>
    withSetup(async (c, api) => {
      for (let i = 0; i < 12; i++) api.addDomain(`d${i}.org`, { dkim: true });
      const op = await c.startOperator({ config: apiConfig(), timings: { resyncMs: 300 }, mailuApi: { url: api.url, token: api.opts.token, intervalMs: INTERVAL_MS, timeoutMs: 500 } });
      await c.waitLeader(op);
      await waitFor('every domain published', () => domainObjects(c).length === 12);
      await c.settle(op);
      // Publishing many domains at once: one Event per object up to the cap a pass, the rest folded
      // into one Event that counts them (how the writes split into passes depends on timing).
      await waitFor('folded Event', () => c.events('RecordsChanged').length >= 1);
      const aboutDomain = c.events('TargetsChanged').filter((e) => String((e.involvedObject as { name?: string }).name).startsWith('mailu-domain-'));
      const folded = c.events('RecordsChanged').reduce((n, e) => n + Number(/^(\d+) more DNSEndpoints changed/.exec(String(e.message))?.[1]), 0);
      assert.ok(aboutDomain.length <= MAX_RECORD_EVENTS, `${aboutDomain.length} Events about single domains`);
      assert.ok(folded >= 12 - MAX_RECORD_EVENTS, `${folded} folded`);
      assert.ok(c.events('TargetsChanged').length + folded >= 12, 'every change is either named or counted');
      c.api.resetCounts();
      await waitFor('two resyncs', () => c.api.count('LIST dnsendpoints') >= 2);
      assert.equal(c.api.count('GET dnsendpoints'), 0, 'no read per object');
      assert.equal(domainObjects(c).length, 12);
    }));

  it('an API that fails (down, 500, 403, slow) keeps the last records, counts it, records one Event per outage; readiness stays', () =>
    withSetup(async (c, api) => {
      api.addDomain('example.com', { dkim: true });
      api.addDomain('kept.org', { dkim: true });
      const op = await start(c, api);
      await c.waitLeader(op);
      await waitFor('kept.org', () => c.endpoint(nameOf('kept.org')) !== undefined);
      await polls(c, op, 1);
      const before = c.history.length;

      await api.down();
      await waitFor('api down seen', () => c.events('MailuApiUnavailable').length === 1);
      await polls(c, op, 3);
      assert.equal(await metric(op, 'mailu_dns_operator_mailu_api_up'), 0);
      assert.ok((await metric(op, 'mailu_dns_operator_mailu_api_failures_total', { kind: 'network' })) >= 3);
      assert.equal(c.events('MailuApiUnavailable').length, 1, 'one Event per outage');
      const ev = c.events('MailuApiUnavailable')[0]!;
      assert.deepEqual([(ev.involvedObject as { kind: string }).kind, (ev.involvedObject as { name: string }).name], ['Deployment', 'mailu-dns-operator']);
      assert.ok(op.ready, 'readiness does not depend on Mailu');

      // Back with errors of every kind: still nothing removed.
      await api.up();
      api.fail(500, 2);
      api.fail(403, 2, { paths: /alternative/ });
      await waitFor('recovered', () => c.events('MailuApiAvailable').length === 1);
      assert.ok((await metric(op, 'mailu_dns_operator_mailu_api_failures_total', { kind: 'server' })) >= 1);
      assert.ok((await metric(op, 'mailu_dns_operator_mailu_api_failures_total', { kind: 'forbidden' })) >= 1);
      api.delayMs = 800; // beyond the 500 ms timeout
      await waitForMetric(op, 'mailu_dns_operator_mailu_api_failures_total', { kind: 'timeout' });
      api.heal();
      await waitFor('recovered again', () => c.events('MailuApiAvailable').length === 2);
      await c.settle(op);
      assert.equal(c.history.length, before, 'no record changed or vanished through the outages');
      assert.equal(c.events('MailuApiUnavailable').length, 2);
    }));

  it('a wrong token: 403 with a hint; after a restart with Mailu unreachable nothing is deleted', () =>
    withSetup(async (c, api) => {
      api.addDomain('example.com', { dkim: true });
      api.addDomain('gone-later.org', { dkim: true });
      const first = await start(c, api, apiConfig(), 'op-a');
      await c.waitLeader(first);
      await waitFor('published', () => c.endpoint(nameOf('gone-later.org')) !== undefined);
      await first.stop({ release: true });
      const count = domainObjects(c).length;
      const op = await start(c, api, apiConfig(), 'op-b', 'wrong-token');
      await c.waitLeader(op);
      await waitFor('forbidden', () => c.events('MailuApiUnavailable').some((e) => /forbidden.*Invalid API token.*API_TOKEN/.test(String(e.message))));
      await polls(c, op, 2);
      assert.equal(domainObjects(c).length, count, 'no answer yet: per-domain objects are left as they are');
      assert.ok(api.requests.some((r) => r.status === 403));
    }));

  it('hostile or broken names from the API never produce a record outside their own domain', () =>
    withSetup(async (c, api) => {
      api.addDomain('example.com', { dkim: true });
      const hostile = ['evil.com\n', 'evil.com\r\nx', ' evil.com', '*.example.com', 'trailing.org.', `${'a'.repeat(64)}.org`, 'a..b.org', '_dmarc.example.com', '192.0.2.1', 'example.com/../x', 'x y.org', 'localhost', `${'abcdefghi.'.repeat(25)}org`, 'ex\u200bample.org'];
      for (const h of hostile) api.addDomain(h, { dkim: true });
      api.addAlternative('alt.example.com\n', 'example.com');
      api.addDomain('x.example.com.attacker.net', { dkim: true });
      api.addDomain('UPPER.Example.ORG', { dkim: true });
      api.addDomain('bücher.example', { dkim: true });
      const op = await start(c, api);
      await c.waitLeader(op);
      await waitFor('the valid ones published', () => domainObjects(c).length === 4);
      await c.settle(op);
      assertValidAndContained(c);
      const domains = domainObjects(c).map((o) => o.metadata.annotations![DOMAIN_ANNOTATION]).sort();
      assert.deepEqual(domains, ['example.com', 'upper.example.org', 'x.example.com.attacker.net', 'xn--bcher-kva.example']);
      // The look-alike under attacker.net publishes there, never under example.com.
      const all = c.api.list('dnsendpoints', 'mailu').flatMap((o) => eps(o).map((e) => ({ o: o.metadata.name, name: e.dnsName })));
      const underPrimary = all.filter((x) => x.name === 'example.com' || x.name.endsWith('.example.com'));
      assert.ok(underPrimary.every((x) => x.o === nameOf('example.com') || x.o === 'mailu-spf' || x.o === 'mailu-front-address'), JSON.stringify(underPrimary));
      await waitFor('rejections reported', () => c.events('MailDomainRejected').length === hostile.length + 1);
      assert.ok(c.events('MailDomainRejected').some((e) => String(e.message).includes('"evil.com\\n"')));
      assert.equal(await metric(op, 'mailu_dns_operator_mailu_api_names', { kind: 'rejected' }), hostile.length + 1);
      assert.ok(record(c.endpoint(nameOf('x.example.com.attacker.net')), 'dkim._domainkey.x.example.com.attacker.net', 'TXT'));
    }));

  it('a dns_dkim naming another owner, or holding anything but a plain RSA key, is not published', () =>
    withSetup(async (c, api) => {
      api.addDomain('example.com', { dkim: true });
      const key = fakeDkimKey('x');
      const broken: Record<string, string> = {
        'spoof.org': `dkim._domainkey.example.com. 600 IN TXT "v=DKIM1; k=rsa; p=${key}"`,
        'quote.org': `dkim._domainkey.quote.org. 600 IN TXT "v=DKIM1; k=rsa; p=${key}" "v=spf1 +all"`,
        'tags.org': `dkim._domainkey.tags.org. 600 IN TXT "v=DKIM1; k=rsa; t=y; p=${key}"`,
        'selector.org': `other._domainkey.selector.org. 600 IN TXT "v=DKIM1; k=rsa; p=${key}"`,
      };
      for (const [d, dkim] of Object.entries(broken)) {
        api.addDomain(d, { dkim: true });
        api.override(d, { dns_dkim: dkim });
      }
      const op = await start(c, api);
      await c.waitLeader(op);
      await waitFor('all published', () => domainObjects(c).length === 5);
      await c.settle(op);
      assertValidAndContained(c);
      for (const d of Object.keys(broken)) assert.ok(!eps(c.endpoint(nameOf(d))).some((e) => e.dnsName.includes('_domainkey')), d);
      assert.deepEqual(record(c.endpoint(nameOf('example.com')), 'dkim._domainkey.example.com', 'TXT')!.targets, [`v=DKIM1; k=rsa; p=${api.key('example.com')}`]);
      await waitFor('reported', () => c.events('DkimKeyUnusable').length === 4);
      assert.ok(c.events('DkimKeyUnusable').some((e) => String(e.message).includes('DKIM_SELECTOR')));
    }));

  it('generateDkim: a domain without a key gets exactly one POST; keys are never re-generated', () =>
    withSetup(async (c, api) => {
      api.addDomain('example.com', { dkim: true });
      api.addDomain('nokey.org');
      const original = api.key('example.com');
      const op = await start(c, api, apiConfig({ generateDkim: true }));
      await c.waitLeader(op);
      await waitFor('nokey.org key published', () => record(c.endpoint(nameOf('nokey.org')), 'dkim._domainkey.nokey.org', 'TXT') !== undefined);
      assert.equal(record(c.endpoint(nameOf('nokey.org')), 'dkim._domainkey.nokey.org', 'TXT')!.targets[0], `v=DKIM1; k=rsa; p=${api.key('nokey.org')}`);
      await polls(c, op, 4);
      assert.equal(api.count('POST', '/api/v1/domain/nokey.org/dkim'), 1);
      assert.equal(api.count('POST', '/api/v1/domain/example.com/dkim'), 0);
      assert.equal(api.key('example.com'), original);
      assert.equal(c.events('DkimKeyGenerated').length, 1);
      assert.equal(await metric(op, 'mailu_dns_operator_mailu_api_dkim_generated_total'), 1);
      // A failed request is retried at the next poll; a success is never repeated.
      api.fail(500, 1, { paths: /\/dkim$/ });
      api.addDomain('second.org');
      await waitFor('second.org key', () => record(c.endpoint(nameOf('second.org')), 'dkim._domainkey.second.org', 'TXT') !== undefined);
      await polls(c, op, 2);
      assert.equal(api.requests.filter((r) => r.path === '/api/v1/domain/second.org/dkim' && r.status === 200).length, 1);
    }));

  it('only the leader polls Mailu and writes; objects it does not own are never touched', () =>
    withSetup(async (c, api) => {
      api.addDomain('example.com', { dkim: true });
      api.addDomain('theirs.org', { dkim: true });
      const foreign: KubeObject = {
        apiVersion: 'externaldns.k8s.io/v1alpha1',
        kind: 'DNSEndpoint',
        metadata: { name: nameOf('theirs.org'), namespace: 'mailu', labels: { team: 'dns' } },
        spec: { endpoints: [{ dnsName: 'theirs.org', recordType: 'TXT', targets: ['hand-made'] }] },
      };
      c.api.create('dnsendpoints', foreign);
      const a = await start(c, api, apiConfig(), 'op-a');
      await c.waitLeader(a);
      const b = await start(c, api, apiConfig(), 'op-b');
      await waitFor('primary', () => c.endpoint(nameOf('example.com')) !== undefined);
      await polls(c, a, 3);
      await c.settle(a, b);
      assert.equal(b.mailuApi!.polls, 0, 'the standby does not poll');
      assert.deepEqual(c.endpoint(nameOf('theirs.org'))!.spec, foreign.spec, 'a foreign object with our name stays as it is');
      assert.ok(c.events('ForeignDNSEndpoint').length >= 1);
      api.removeDomain('theirs.org');
      await polls(c, a, 2);
      assert.ok(c.endpoint(nameOf('theirs.org')), 'and is not deleted either');
      await a.stop({ release: true });
      await c.waitLeader(b);
      api.addDomain('after.org', { dkim: true });
      await waitFor('the new leader publishes', () => c.endpoint(nameOf('after.org')) !== undefined);
      assert.ok(b.mailuApi!.polls > 0);
    }));
});
