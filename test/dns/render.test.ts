// The plan's outputs: the zone file read back by real parsers (dns-zonefile; BIND when installed)
// must hold exactly the static records with the right data; the table and JSON carry the plan.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planDns } from '../../src/dns/plan.js';
import { renderJson, renderTable, renderZone, txtRdata } from '../../src/dns/render.js';
import type { DnsPlan, DnsRecord } from '../../src/dns/types.js';
import { cfg, decodeTxtRdata, expectedZoneKeys, key, type Overrides } from './helpers.js';
import { BIND_MISSING, bindAvailable, checkZone, compiledKeys, compileZone, parseWithDnsZonefile } from './zone-tools.js';

const ips = (n: number) => Array.from({ length: n }, (_, i) => `198.51.100.${i + 1}`);

const SCENARIOS: [string, Overrides][] = [
  ['the embedded example', {}],
  [
    'dual stack, -all, every port, MTA-STS, DMARC reports to other domains',
    {
      exposure: { mode: 'hostPort', ports: [25, 110, 143, 465, 587, 993, 995] },
      egress: { mode: 'nodeIps', addresses: ['203.0.113.10', '2001:db8::10'] },
      dns: {
        addresses: ['203.0.113.10', '2001:db8::10'],
        spf: { all: '-all' },
        mtaSts: { enabled: true, id: '20240601' },
        dmarc: { rua: 'agg@reports.example.net', ruf: 'ruf@example.org' },
      },
    },
  ],
  ['an SPF record longer than one character-string', { dns: { spf: { extraIps: ips(18) } } }],
  ['operator-owned A and SPF', { egress: { mode: 'nodeIps', addresses: [] }, dns: { addresses: [], operator: { enabled: true } } }],
  [
    'relay egress, primary hostname in another domain',
    {
      hostnames: ['mx.example.net'],
      egress: { mode: 'relay', host: 'smtp.relay.example.org', secret: { name: 'relay' }, spfInclude: ['spf.relay.example.org'] },
      dns: { addresses: ['203.0.113.10'] },
    },
  ],
];

const isLive = (line: string) => line.trim() !== '' && !line.startsWith(';') && !line.startsWith('$');
const inZone = (plan: DnsPlan, n: string) => n === plan.domain || n.endsWith(`.${plan.domain}`);

/** BIND's integrity check wants in-zone MX/SRV targets to have addresses: only when the A is static. */
function integrityFor(plan: DnsPlan): 'local' | 'none' {
  const primaryInZone = inZone(plan, plan.primaryHostname);
  const staticAddress = plan.records.some((r) => r.name === plan.primaryHostname && (r.type === 'A' || r.type === 'AAAA') && r.source === 'static');
  return !primaryInZone || staticAddress ? 'local' : 'none';
}

/** The commented record lines of the zone output that name `name` (records to copy elsewhere). */
function commentedRecordLines(zone: string, name: string): string[] {
  return zone
    .split('\n')
    .filter((l) => l.startsWith(`; ${name}. `))
    .map((l) => l.slice(2));
}

for (const [title, over] of SCENARIOS) {
  describe(`zone file: ${title}`, () => {
    const plan = planDns(cfg(over));
    const zone = renderZone(plan);

    test('dns-zonefile reads back exactly the static records of the zone, with their data', () => {
      const parsed = parseWithDnsZonefile(zone);
      assert.equal(parsed.origin, `${plan.domain}.`);
      assert.equal(parsed.ttl, '600');
      assert.deepEqual(parsed.keys, expectedZoneKeys(plan));
    });

    test('live lines use absolute names, carry TTL and class, and keep TXT strings within 255 bytes', () => {
      const live = zone.split('\n').filter(isLive);
      assert.ok(live.length > 0);
      for (const line of live) {
        assert.match(line, /^\S+\.\s+\d+\s+IN\s+[A-Z]+\s+\S/, line);
        if (/\sIN\s+TXT\s/.test(line)) {
          for (const s of decodeTxtRdata(line.slice(line.indexOf('"'))).strings) assert.ok(Buffer.byteLength(s) <= 255, line);
        }
      }
      assert.ok(zone.includes(`$ORIGIN ${plan.domain}.\n`));
    });

    test('records that are not static appear only as comments', () => {
      const liveText = zone.split('\n').filter(isLive).join('\n');
      for (const r of plan.records.filter((x) => x.source !== 'static')) {
        const owner = `${r.name}.`;
        const liveHere = liveText.split('\n').filter((l) => l.startsWith(`${owner} `) && new RegExp(`\\sIN\\s+${r.type}\\s`).test(l));
        assert.deepEqual(liveHere, [], `${r.name} ${r.type} (${r.source}) must not be a live line`);
        assert.ok(zone.split('\n').some((l) => l.startsWith(`; ${owner} `)), `${r.name} ${r.type} (${r.source}) is mentioned in a comment`);
      }
    });

    const foreign = plan.records.filter((r) => r.source === 'static' && r.type !== 'PTR' && !inZone(plan, r.name));
    if (foreign.length > 0) test('records in other zones are complete commented lines that BIND accepts in their own zone', (t) => {
      if (!bindAvailable) return t.skip(BIND_MISSING);
      for (const r of foreign) {
        const lines = commentedRecordLines(zone, r.name);
        assert.equal(lines.length, r.values.length, `${r.name} commented once per value`);
        // The zone of e.g. example.com._report._dmarc.example.net is example.net's (or a parent).
        const origin = r.name.split('.').slice(-2).join('.');
        const res = checkZone(origin, lines.join('\n'), 'none');
        assert.ok(res.ok, res.output);
        assert.deepEqual(compiledKeys(compileZone(origin, lines.join('\n'))), r.values.map((v) => key(r.name, r.type, v)).sort());
      }
    });

    const ptrs = plan.records.filter((r) => r.type === 'PTR');
    if (ptrs.length > 0) test('PTR lines are complete commented records for the reverse zone', () => {
      for (const r of ptrs) {
        const lines = commentedRecordLines(zone, r.name);
        assert.equal(lines.length, 1, r.name);
        assert.deepEqual(parseWithDnsZonefile(lines[0]!).keys, [key(r.name, 'PTR', r.values[0]!)]);
        if (bindAvailable) {
          const origin = r.name.endsWith('.ip6.arpa') ? 'ip6.arpa' : 'in-addr.arpa';
          const res = checkZone(origin, lines[0]!, 'none');
          assert.ok(res.ok, res.output);
        }
      }
    });

    test('BIND (named-checkzone, named-compilezone) loads it and holds the same records and TTLs', (t) => {
      if (!bindAvailable) return t.skip(BIND_MISSING);
      const res = checkZone(plan.domain, zone, integrityFor(plan));
      assert.ok(res.ok, res.output);
      const compiled = compileZone(plan.domain, zone);
      assert.deepEqual(compiledKeys(compiled), expectedZoneKeys(plan));
      for (const c of compiled) {
        const r = plan.records.find((x) => `${x.name}.` === c.name && x.type === c.type);
        assert.equal(c.ttl, r?.ttl, `${c.name} ${c.type}`);
      }
    });
  });
}

describe('TXT character-strings', () => {
  test('a value over 255 bytes becomes several quoted strings that concatenate back to it', () => {
    const value = `v=DKIM1; k=rsa; p=${'A'.repeat(600)}`;
    const rdata = txtRdata(value);
    const { strings, value: back } = decodeTxtRdata(rdata);
    assert.equal(strings.length, 3);
    for (const s of strings) assert.ok(Buffer.byteLength(s) <= 255);
    assert.equal(back, value);
  });

  test('quotes, backslashes and control characters are escaped so that BIND reads the exact value', (t) => {
    const value = 'say "hi" \\ back\tslash; ok';
    const rdata = txtRdata(value);
    assert.equal(rdata, '"say \\"hi\\" \\\\ back\\009slash; ok"');
    assert.equal(decodeTxtRdata(rdata).value, value);
    if (!bindAvailable) return t.skip(BIND_MISSING);
    const plan = planDns(cfg());
    const odd: DnsRecord = { name: 'odd.example.com', type: 'TXT', ttl: 600, values: [value], source: 'static', purpose: 'escaping test' };
    const zone = renderZone({ ...plan, records: [...plan.records, odd] });
    const compiled = compileZone('example.com', zone).filter((r) => r.name === 'odd.example.com.');
    assert.equal(compiled.length, 1);
    assert.equal(decodeTxtRdata(compiled[0]!.rdata).value, value);
  });
});

describe('table and JSON', () => {
  const plan = planDns(cfg({ dns: { dmarc: { rua: 'agg@reports.example.net' } } }));
  const table = renderTable(plan);
  const lines = table.split('\n');

  test('one aligned row per record value, with the source; manual steps listed after', () => {
    const header = lines.findIndex((l) => l.startsWith('NAME '));
    assert.ok(header > 0);
    const cols = ['TYPE', 'TTL', 'SOURCE', 'VALUE'].map((c) => lines[header]!.indexOf(` ${c}`) + 1);
    const expectedRows = plan.records.reduce((n, r) => n + Math.max(1, r.values.length), 0);
    const rows = lines.slice(header + 2, header + 2 + expectedRows);
    assert.equal(rows.length, expectedRows);
    assert.equal(lines[header + 2 + expectedRows], '', 'a blank line ends the records');
    for (const row of rows) {
      for (const c of cols) {
        assert.equal(row[c - 1], ' ', `column boundary before ${c} in: ${row}`);
        assert.notEqual(row[c], ' ', `column starts at ${c} in: ${row}`);
      }
    }
    const cell = (row: string, i: number) => row.slice(cols[i]!).split(/\s{2,}/)[0];
    const spf = rows.find((r) => r.startsWith('example.com ') && cell(r, 0) === 'TXT');
    assert.ok(spf?.endsWith(plan.spf.value));
    const auth = rows.find((r) => r.startsWith('example.com._report._dmarc.reports.example.net '));
    assert.equal(cell(auth ?? '', 2), 'other zone');
    const dkim = rows.find((r) => r.startsWith('dkim._domainkey.example.com '));
    assert.equal(cell(dkim ?? '', 2), 'manual');

    const manualAt = lines.indexOf('Manual steps:');
    assert.ok(manualAt > header + 1 + expectedRows);
    const steps = lines.slice(manualAt + 1).filter((l) => /^ {2}\d+\. /.test(l));
    assert.equal(steps.length, plan.manual.length);
    assert.ok(steps.some((s) => s.includes('PTR for 203.0.113.10')));
  });

  test('JSON is the plan itself', () => {
    assert.deepEqual(JSON.parse(renderJson(plan)), plan);
  });
});
