// Several mail domains in one config: every domain's records come from domainRecords() with that
// domain's settings, the plan and `dns plan` cover each of them (zone files BIND loads), and
// broken `domains:` lists are refused naming the entry.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { domainSettings, isSafeMailDomain } from '../../src/config/domains.js';
import { ConfigError } from '../../src/config/errors.js';
import { exampleConfig } from '../../src/config/example.js';
import { domainRecords } from '../../src/dns/domain.js';
import { checkDnsPlan, planDns, planForDomain } from '../../src/dns/plan.js';
import { mtaStsPolicies } from '../../src/model/exposure.js';
import { renderJson, renderTable, renderZone, renderZones } from '../../src/dns/render.js';
import type { DnsPlan } from '../../src/dns/types.js';
import { parseConfig } from '../../src/validation/index.js';
import { cfg, key, merge, rawCfg, type Overrides } from './helpers.js';
import type { MailuConfig } from '../../src/config/schema.js';
import { BIND_MISSING, bindAvailable, checkZone, compiledKeys, compileZone } from './zone-tools.js';

/** Three domains: the primary, a bare name (all defaults), and one with its own settings. */
export const THREE: Overrides = {
  dns: { mtaSts: { enabled: true, id: '20240601' }, externalDns: { enabled: true } },
  domains: [
    'example.net',
    { name: 'Example.ORG.', dmarc: { policy: 'quarantine', rua: 'mailto:reports@example.org!10m' }, mtaSts: { enabled: false }, externalDns: false },
  ],
};
const DOMAINS = ['example.com', 'example.net', 'example.org'];

const plan = planDns(cfg(THREE));
const byType = (p: DnsPlan, name: string, type: string) => p.records.filter((r) => r.name === name && r.type === type);

/** The static records of one domain's view that lie in its zone, as comparable keys. */
function zoneKeys(view: DnsPlan): string[] {
  const inZone = (n: string) => n === view.domain || n.endsWith(`.${view.domain}`);
  return view.records
    .filter((r) => r.source === 'static' && r.type !== 'PTR' && inZone(r.name))
    .flatMap((r) => r.values.map((v) => key(r.name, r.type, v)))
    .sort();
}

describe('several mail domains: the plan', () => {
  test('every domain is planned, the primary first, names in canonical form', () => {
    assert.deepEqual(plan.domains.map((d) => d.domain), DOMAINS);
    assert.deepEqual(plan.domains.map((d) => d.primary), [true, false, false]);
    assert.equal(plan.domain, 'example.com');
  });

  test('each domain\'s records are exactly domainRecords() of that domain (nothing derived twice)', () => {
    const config = cfg(THREE);
    for (const d of plan.domains) assert.deepEqual(d.records, domainRecords(config, d.domain), d.domain);
    // The primary's records are in the plan's own list too, beside the host records.
    for (const r of plan.domains[0]!.records) assert.ok(plan.records.includes(r), `${r.name} ${r.type}`);
  });

  test('MX and SPF are the same for every domain; DMARC and MTA-STS follow each domain\'s settings', () => {
    const spf = plan.domains.map((d) => planForDomain(plan, d.domain)!).map((v) => byType(v, v.domain, 'TXT')[0]!.values);
    assert.deepEqual(spf, [['v=spf1 ip4:203.0.113.10 ~all'], ['v=spf1 ip4:203.0.113.10 ~all'], ['v=spf1 ip4:203.0.113.10 ~all']]);
    for (const name of DOMAINS) assert.deepEqual(byType(planForDomain(plan, name)!, name, 'MX')[0]!.values, ['10 mail.example.com.']);
    const net = planForDomain(plan, 'example.net')!;
    const org = planForDomain(plan, 'example.org')!;
    // example.net inherits dns.dmarc (reports to example.com: an authorisation in example.com's zone).
    assert.deepEqual(byType(net, '_dmarc.example.net', 'TXT')[0]!.values, ['v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com; adkim=s; aspf=s']);
    assert.equal(byType(net, 'example.net._report._dmarc.example.com', 'TXT').length, 1);
    assert.deepEqual(byType(org, '_dmarc.example.org', 'TXT')[0]!.values, ['v=DMARC1; p=quarantine; rua=mailto:reports@example.org!10m; adkim=s; aspf=s']);
    assert.equal(byType(org, 'example.org._report._dmarc.example.com', 'TXT').length, 0);
    assert.deepEqual(byType(net, '_mta-sts.example.net', 'TXT')[0]!.values, ['v=STSv1; id=20240601']);
    assert.equal(byType(org, '_mta-sts.example.org', 'TXT').length, 0);
    assert.equal(byType(org, 'mta-sts.example.org', 'CNAME').length, 0);
    assert.deepEqual(byType(org, 'autoconfig.example.org', 'CNAME')[0]!.values, ['mail.example.com.']);
    assert.equal(byType(org, '_submissions._tcp.example.org', 'SRV')[0]!.values[0], '10 1 465 mail.example.com.');
  });

  test('a domain\'s view holds only its own records; host records and PTRs stay with the primary', () => {
    const net = planForDomain(plan, 'example.net')!;
    assert.ok(net.records.every((r) => r.name === 'example.net' || r.name.endsWith('.example.net') || r.name.endsWith('._report._dmarc.example.com')));
    assert.equal(net.records.filter((r) => r.type === 'PTR' || r.type === 'A').length, 0);
    assert.deepEqual(net.manual.map((m) => m.subject), ['dkim._domainkey.example.net']);
    assert.equal(byType(plan, 'mail.example.com', 'A').length, 1);
    assert.equal(planForDomain(plan, 'example.xyz'), undefined);
  });

  test('domainSettings: a domain only Mailu knows gets the dns defaults; a partial entry keeps the other defaults', () => {
    const config = cfg({ ...THREE, dns: { ...(THREE.dns as object), dmarc: { rua: 'dmarc@example.com!5m', ruf: 'forensic@example.com' } } });
    const unknown = domainSettings(config, 'example.info');
    assert.equal(unknown.configured, false);
    assert.equal(unknown.externalDns, true);
    assert.deepEqual(unknown.dmarc, config.dns.dmarc);
    const org = domainSettings(config, 'example.org');
    // rua replaced with its own size limit; ruf and the alignment modes inherited.
    assert.deepEqual(org.dmarc, { policy: 'quarantine', rua: 'reports@example.org', ruaSizeLimit: '10m', ruf: 'forensic@example.com', adkim: 's', aspf: 's' });
    assert.deepEqual(org.mtaSts, { enabled: false, mode: 'testing', id: '20240601' });
    assert.equal(org.externalDns, false);
  });

  test('domainRecords: a known DKIM key is a static record; without it a manual placeholder', () => {
    const config = cfg(THREE);
    const key1 = 'v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA';
    const withKey = domainRecords(config, 'example.info', { dkim: key1 }).find((r) => r.name === 'dkim._domainkey.example.info')!;
    assert.deepEqual([withKey.source, withKey.values], ['static', [key1]]);
    const without = domainRecords(config, 'example.info').find((r) => r.name === 'dkim._domainkey.example.info')!;
    assert.deepEqual([without.source, without.values], ['manual', []]);
  });

  test('domainRecords: SPF is left to the operator (source operator, no value) when it keeps SPF live', () => {
    const config = cfg({ ...THREE, egress: { mode: 'nodeIps', addresses: [] }, dns: { addresses: [], operator: { enabled: true } } });
    const spf = domainRecords(config, 'example.net').find((r) => r.name === 'example.net' && r.type === 'TXT')!;
    assert.deepEqual([spf.source, spf.values, spf.ttl], ['operator', [], config.dns.operator.ttl]);
  });

  test('isSafeMailDomain: only host-name syntax in canonical form passes', () => {
    for (const ok of ['example.net', 'mail-lists.example.co.uk', 'xn--bcher-kva.example']) assert.equal(isSafeMailDomain(ok), true, ok);
    const bad = [
      '', 'net', 'Example.net', 'example.net.', '*.example.net', '_dmarc.example.net', 'a..b', '-x.example.net', 'x-.example.net',
      'example.net/evil', 'example.net\nevil.com TXT', 'example.net evil.com', '203.0.113.10', '[2001:db8::1]', '2001:db8::1', 'host.123',
      `${'a'.repeat(64)}.example.net`, `${'a.'.repeat(100)}net`, 'bücher.example',
    ];
    for (const b of bad) assert.equal(isSafeMailDomain(b), false, JSON.stringify(b));
  });
});

describe('several mail domains: renderers', () => {
  test('zone files: one per domain, each loadable by BIND and holding exactly its static in-zone records', (t) => {
    const all = renderZones(plan);
    assert.equal(all, DOMAINS.map((d) => renderZone(planForDomain(plan, d)!)).join('\n'));
    assert.deepEqual([...all.matchAll(/^\$ORIGIN (\S+)$/gm)].map((m) => m[1]), DOMAINS.map((d) => `${d}.`));
    if (!bindAvailable) return t.skip(`${BIND_MISSING}: the zone files were not loaded`);
    for (const d of DOMAINS) {
      const view = planForDomain(plan, d)!;
      const text = renderZone(view);
      const checked = checkZone(d, text);
      assert.ok(checked.ok, `${d}: ${checked.output}`);
      assert.deepEqual(compiledKeys(compileZone(d, text)), zoneKeys(view), d);
    }
  });

  test('table: one section per domain; JSON: every domain with its records', () => {
    const table = renderTable(plan);
    assert.deepEqual([...table.matchAll(/^DNS plan for (\S+) /gm)].map((m) => m[1]), DOMAINS);
    const json = JSON.parse(renderJson(plan)) as DnsPlan;
    assert.deepEqual(json.domains.map((d) => [d.domain, d.externalDns, d.records.length > 10]), [
      ['example.com', true, true],
      ['example.net', true, true],
      ['example.org', false, true],
    ]);
  });
});

// ------------------------------------------------------------------ refusals and the CLI

const dir = mkdtempSync(join(tmpdir(), 'mailu-multi-domain-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const script = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'run-dns-plan-domain.ts');
let n = 0;
function configFile(over: Overrides): string {
  const path = join(dir, `config-${n++}.yaml`);
  writeFileSync(path, stringify(merge(exampleConfig, over)));
  return path;
}
function run(...args: string[]) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

function refusal(domains: unknown[]): ConfigError {
  try {
    parseConfig(merge(exampleConfig, { domains }) as never);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  assert.fail(`domains ${JSON.stringify(domains)} was accepted`);
}

describe('several mail domains: refusals', () => {
  const cases: [string, unknown[], string, RegExp][] = [
    ['a repeat (after canonicalisation)', ['example.net', 'EXAMPLE.net.'], 'domains[1].name', /listed twice \(also domains\[0\]\)/],
    ['the primary domain again', ['example.com'], 'domains[0].name', /already the primary domain/],
    ['an IP address', ['example.net', '203.0.113.10'], 'domains[1].name', /IP address, not a DNS name/],
    ['an IPv6 address', [{ name: '2001:db8::1' }], 'domains[0].name', /IP address/],
    ['a host name of this server', ['mail.example.com'], 'domains[0].name', /hostnames\[0\], a name of this mail server/],
    ['an alias name of a mail domain', ['example.net', 'autoconfig.example.net'], 'domains[1].name', /alias \(CNAME\) of the mail domain example\.net/],
    ['a wildcard', ['*.example.net'], 'domains[0].name', /not a valid DNS name/],
    ['a single label', ['localhost'], 'domains[0].name', /at least two labels/],
  ];
  for (const [what, domains, path, message] of cases) {
    test(what, () => {
      const issue = refusal(domains).issues.find((i) => i.path === path);
      assert.ok(issue, `an issue at ${path}; got ${JSON.stringify(refusal(domains).issues)}`);
      assert.match(issue.message, message);
    });
  }

  test('MTA-STS per domain: its own mode, or on while the top level is off; the plan announces exactly what front serves', () => {
    const config = parseConfig(merge(exampleConfig, {
      dns: { mtaSts: { enabled: false } },
      domains: [{ name: 'example.net', mtaSts: { enabled: true, mode: 'enforce' } }, { name: 'example.org', mtaSts: { enabled: true } }, 'example.info'],
    }) as never);
    const announced = planDns(config).domains.flatMap((d) => d.records.filter((r) => r.name.startsWith('_mta-sts.')).map((r) => r.name.slice('_mta-sts.'.length)));
    const served = mtaStsPolicies(config);
    assert.deepEqual(served, [{ host: 'mta-sts.example.net', mode: 'enforce' }, { host: 'mta-sts.example.org', mode: 'testing' }]);
    assert.deepEqual(announced.sort(), served.map((p) => p.host.slice('mta-sts.'.length)).sort());
  });

  test('the SPF size limit holds for the longest mail domain, which publishes the same value', () => {
    const long = `${'x'.repeat(50)}.example.net`;
    const withIps = (n: number, domains: unknown[] = []) =>
      rawCfg({ dns: { spf: { extraIps: Array.from({ length: n }, (_, i) => `198.51.${Math.floor(i / 250)}.${(i % 250) + 1}`) } }, domains });
    const accepted = (c: MailuConfig) => checkDnsPlan(c).issues.length === 0;
    let n = 1;
    while (accepted(withIps(n + 1))) n++; // the most addresses the primary domain's record takes
    assert.ok(accepted(withIps(n)));
    const issues = checkDnsPlan(withIps(n, [long])).issues;
    assert.ok(issues.some((i) => i.message.includes(`the SPF record for ${long} would be`)), JSON.stringify(issues));
  });

  test('an unknown key or a bad value inside an entry names its field', () => {
    const issues = refusal([{ name: 'example.net', dmarc: { policy: 'maybe' }, mtaSts: { id: 'x-y' }, dkim: {} }]).issues.map((i) => i.path);
    for (const p of ['domains[0].dmarc.policy', 'domains[0].mtaSts.id']) assert.ok(issues.includes(p), `${p} in ${issues.join(', ')}`);
    assert.ok(issues.some((p) => p.startsWith('domains[0]') && !p.includes('.name')), issues.join(', '));
  });

  test('CLI: a bad entry exits 2 naming domains[i].name and prints no plan', () => {
    const r = run('zone', '', configFile({ domains: ['example.net', 'example.net'] }));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /domains\[1\]\.name: example\.net is listed twice/);
    assert.equal(r.stdout, '');
  });
});

describe('several mail domains: dns plan --domain', () => {
  const file = configFile(THREE);

  test('without --domain: one zone per domain', () => {
    const r = run('zone', '', file);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, renderZones(planDns(parseConfig(merge(exampleConfig, THREE) as never))));
  });

  test('--domain NAME prints that domain\'s zone only, in every format', () => {
    const full = planDns(parseConfig(merge(exampleConfig, THREE) as never));
    const zone = run('zone', 'Example.NET', file);
    assert.equal(zone.code, 0, zone.stderr);
    assert.equal(zone.stdout, renderZone(planForDomain(full, 'example.net')!));
    const json = JSON.parse(run('json', 'example.org', file).stdout) as DnsPlan;
    assert.deepEqual(json.domains.map((d) => d.domain), ['example.org']);
    assert.ok(json.records.every((r) => r.name.includes('example.org')));
    const primary = run('table', 'example.com', file);
    assert.match(primary.stdout, /^mail\.example\.com +A /m);
    assert.doesNotMatch(primary.stdout, /example\.net/);
  });

  test('--domain with a name that is not a mail domain of the config: exit 2, nothing printed', () => {
    const r = run('zone', 'example.info', file);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--domain example\.info is not a mail domain of this config \(example\.com, example\.net, example\.org\)/);
    assert.equal(r.stdout, '');
  });
});
