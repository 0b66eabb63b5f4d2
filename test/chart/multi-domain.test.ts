// Several mail domains in the synthesized output: the Certificate and the web routes carry exactly
// the alias names the DNS plan publishes for every domain, and external-dns gets one DNSEndpoint
// per domain whose externalDns is on, strictly valid against the upstream CRD.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { MailuConfigInput } from '../../src/config/schema.js';
import type { DnsEndpointManifest } from '../../src/dns/endpoints.js';
import { planDns } from '../../src/dns/plan.js';
import { parseConfig, parseConfigWithWarnings } from '../../src/validation/index.js';
import { CERTIFICATE_MAX_NAMES } from '../../src/model/invariants.js';
import { validateAll } from '../support/schema.js';
import { BASE, cli, ensureBuilt, render } from '../support/chart-helpers.js';

const THREE: MailuConfigInput = {
  ...BASE,
  web: { kind: 'ingress', className: 'nginx' },
  dns: { addresses: ['203.0.113.10'], mtaSts: { enabled: true }, externalDns: { enabled: true }, dmarc: { rua: 'dmarc@example.com' } },
  domains: ['example.net', { name: 'example.org', mtaSts: { enabled: false }, externalDns: false }],
};

/** Names the plan publishes as CNAMEs (the alias names), over every domain. */
function planAliases(config: MailuConfigInput): string[] {
  return planDns(parseConfig(config)).domains.flatMap((d) => d.records.filter((r) => r.type === 'CNAME').map((r) => r.name));
}

describe('several mail domains in the chart', () => {
  const out = render(THREE);

  it('warns, naming domains, when the Certificate passes the 100 names Let\'s Encrypt issues', () => {
    const many = (n: number): MailuConfigInput => ({ ...THREE, domains: Array.from({ length: n }, (_, i) => `d${i}.example`) });
    const names = (c: MailuConfigInput) => (render(c).all('Certificate')[0] as unknown as { spec: { dnsNames: string[] } }).spec.dnsNames.length;
    const certWarning = (c: MailuConfigInput) => parseConfigWithWarnings(c).warnings.filter((w) => /Let's Encrypt/.test(w));
    // mail.example.com + 3 aliases of example.com + 2 per further domain (MTA-STS on for all: 3)
    const under = many(32);
    assert.ok(names(under) <= CERTIFICATE_MAX_NAMES, String(names(under)));
    assert.deepEqual(certWarning(under), []);
    const over = many(34);
    assert.ok(names(over) > CERTIFICATE_MAX_NAMES, String(names(over)));
    const [w] = certWarning(over);
    assert.match(w ?? '', new RegExp(`^domains: the Certificate names ${names(over)} hosts .* 35 mail domains`));
  });

  it('the Certificate carries the hostnames and exactly the alias names the plan publishes', () => {
    const [cert] = out.all('Certificate') as unknown as { spec: { dnsNames: string[]; commonName: string } }[];
    const aliases = planAliases(THREE);
    assert.deepEqual(aliases.sort(), [
      'autoconfig.example.com', 'autoconfig.example.net', 'autoconfig.example.org',
      'autodiscover.example.com', 'autodiscover.example.net', 'autodiscover.example.org',
      'mta-sts.example.com', 'mta-sts.example.net',
    ]);
    assert.deepEqual([...cert!.spec.dnsNames].sort(), ['mail.example.com', ...aliases].sort());
    assert.equal(cert!.spec.commonName, 'mail.example.com');
  });

  it('the web route answers for every alias name (so each certified name is served)', () => {
    const [ingress] = out.all('Ingress') as unknown as { spec: { rules: { host: string }[]; tls: { hosts: string[] }[] } }[];
    const hosts = ingress!.spec.rules.map((r) => r.host).sort();
    assert.deepEqual(hosts, ['mail.example.com', ...planAliases(THREE)].sort());
    assert.deepEqual([...ingress!.spec.tls[0]!.hosts].sort(), hosts);
  });

  it('one DNSEndpoint per domain with externalDns on, plus the other-zones one; strictly valid', () => {
    const eps = out.all('DNSEndpoint') as unknown as DnsEndpointManifest[];
    assert.deepEqual(eps.map((e) => e.metadata.name), ['mailu-dns-static', 'mailu-dns-example.net', 'mailu-dns-other-zones']);
    assert.deepEqual(validateAll(eps), []);
    const names = (i: number) => eps[i]!.spec.endpoints.map((e) => `${e.dnsName} ${e.recordType}`);
    assert.ok(names(0).includes('mail.example.com A') && names(0).includes('example.com MX'));
    assert.ok(names(1).every((n) => n.split(' ')[0]!.endsWith('example.net')), names(1).join(', '));
    for (const n of ['example.net MX', 'example.net TXT', '_dmarc.example.net TXT', '_mta-sts.example.net TXT', 'mta-sts.example.net CNAME', '_imaps._tcp.example.net SRV']) {
      assert.ok(names(1).includes(n), n);
    }
    // example.net's reports go to example.com: its authorisation is published with the other zones.
    assert.deepEqual(names(2), ['example.net._report._dmarc.example.com TXT']);
    assert.ok(!eps.some((e) => e.spec.endpoints.some((x) => x.dnsName.endsWith('example.org'))), 'example.org has externalDns: false');
  });

  it('a domain can opt in while dns.externalDns is off: only its object is written', () => {
    const config: MailuConfigInput = { ...THREE, dns: { addresses: ['203.0.113.10'] }, domains: [{ name: 'example.net', externalDns: true }, 'example.org'] };
    const eps = render(config).all('DNSEndpoint') as unknown as DnsEndpointManifest[];
    assert.deepEqual(eps.map((e) => e.metadata.name), ['mailu-dns-example.net']);
    assert.deepEqual(validateAll(eps), []);
  });
});

describe('several mail domains: refused through the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailu-k8s-domains-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  before(() => ensureBuilt());

  it('exit 2 naming domains[i].name, nothing written', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, stringify({ ...BASE, domains: ['example.net', '198.51.100.7', { name: 'example.com' }, 'example.net'] }));
    const outDir = join(dir, 'out');
    const r = cli(['synth', '-c', file, '-o', outDir]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: domains\[1\]\.name: "198\.51\.100\.7" is an IP address/m);
    assert.throws(() => readdirSync(outDir), 'no output directory');
    // The list-wide problems show once the names themselves are valid.
    writeFileSync(file, stringify({ ...BASE, domains: ['example.net', { name: 'example.com' }, 'example.net'] }));
    const r2 = cli(['synth', '-c', file, '-o', outDir]);
    assert.equal(r2.code, 2, r2.stderr);
    assert.match(r2.stderr, /^error: domains\[1\]\.name: example\.com is already the primary domain/m);
    assert.match(r2.stderr, /^error: domains\[2\]\.name: example\.net is listed twice/m);
    assert.throws(() => readdirSync(outDir), 'no output directory');
  });

  it('dns plan --domain with an unknown name: exit 2', () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, stringify(THREE));
    const r = cli(['dns', 'plan', '-c', file, '-f', 'zone', '--domain', 'example.info']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--domain example\.info is not a mail domain/);
    const ok = cli(['dns', 'plan', '-c', file, '-f', 'zone', '--domain', 'example.org']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^\$ORIGIN example\.org\.$/m);
  });
});
