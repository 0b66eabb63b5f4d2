// Pure parts of the checks: record parsers, fix builders and the report renderers.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { quoteTxt, zoneLine } from '../../src/doctor/checks/common.js';
import { parseDkimRecord } from '../../src/doctor/checks/dkim.js';
import { externalReportDomains, parseDmarcRecord } from '../../src/doctor/checks/dmarc.js';
import { parseStsRecord } from '../../src/doctor/checks/mta-sts.js';
import { spfWithIp } from '../../src/doctor/checks/spf.js';
import { renderTable } from '../../src/doctor/report.js';
import { exitCodeFor } from '../../src/doctor/run.js';
import type { DoctorReport } from '../../src/doctor/types.js';

describe('DKIM record parser', () => {
  test('RSA (SPKI and PKCS#1) and ed25519 keys load; bits are reported', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const spki = rsa.export({ type: 'spki', format: 'der' }).toString('base64');
    const pkcs1 = rsa.export({ type: 'pkcs1', format: 'der' }).toString('base64');
    assert.deepEqual(parseDkimRecord(`v=DKIM1; k=rsa; p=${spki}`), { ok: true, keyType: 'rsa', bits: 2048, testing: false });
    assert.equal(parseDkimRecord(`v=DKIM1; p=${pkcs1}`).bits, 2048);
    // whitespace inside p= is folding, not data
    assert.equal(parseDkimRecord(`v=DKIM1; p=${spki.slice(0, 100)} ${spki.slice(100)}; t=y`).testing, true);
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).subarray(12).toString('base64');
    assert.deepEqual(parseDkimRecord(`v=DKIM1; k=ed25519; p=${ed}`), { ok: true, keyType: 'ed25519', testing: false });
  });

  test('broken records say what is wrong', () => {
    assert.match(parseDkimRecord('v=DKIM1; k=rsa; p=').error ?? '', /revoked/);
    assert.match(parseDkimRecord('v=DKIM1; k=rsa').error ?? '', /no p= tag/);
    assert.match(parseDkimRecord('v=DKIM2; p=AAAA').error ?? '', /must be "DKIM1"/);
    assert.match(parseDkimRecord('v=DKIM1; p=not*base64').error ?? '', /not valid base64/);
    assert.match(parseDkimRecord('v=DKIM1; k=ed25519; p=AAAA').error ?? '', /holds 3 bytes, not 32/);
    assert.match(parseDkimRecord('v=DKIM1; k=dsa; p=AAAA').error ?? '', /unknown key type k=dsa/);
    assert.match(parseDkimRecord('garbage').error ?? '', /not a tag=value pair/);
  });
});

describe('DMARC record parser', () => {
  test('defaults, tags and external report domains', () => {
    const p = parseDmarcRecord('v=DMARC1; p=quarantine; sp=reject; pct=50; rua=mailto:a@example.com,mailto:b@reports.example.net!10m; ruf=mailto:f@sub.example.com');
    assert.equal(p.ok, true);
    assert.deepEqual([p.p, p.sp, p.adkim, p.aspf, p.pct], ['quarantine', 'reject', 'r', 'r', 50]);
    assert.deepEqual(externalReportDomains(p, 'example.com'), ['reports.example.net']);
  });

  test('errors', () => {
    assert.deepEqual(parseDmarcRecord('p=reject; v=DMARC1').errors, ['the record must start with v=DMARC1']);
    assert.match(parseDmarcRecord('v=DMARC1; p=reject; adkim=x').errors.join(), /adkim=x is not r or s/);
    assert.match(parseDmarcRecord('v=DMARC1; p=reject; pct=150').errors.join(), /pct=150/);
    assert.match(parseDmarcRecord('v=DMARC1; p=reject; rua=https://x').errors.join(), /not a mailto: address/);
    assert.deepEqual(parseDmarcRecord('v=DMARC1; adkim=s').errors, ['no p= policy']);
    // rua without p is treated as p=none (RFC 7489 §6.6.3)
    assert.equal(parseDmarcRecord('v=DMARC1; rua=mailto:a@example.com').ok, true);
  });
});

describe('fix builders', () => {
  test('spfWithIp inserts before the all or redirect term', () => {
    assert.equal(spfWithIp('v=spf1 mx -all', '192.0.2.1'), 'v=spf1 mx ip4:192.0.2.1 -all');
    assert.equal(spfWithIp('v=spf1 redirect=_spf.example.com', '2001:db8::1'), 'v=spf1 ip6:2001:db8::1 redirect=_spf.example.com');
    assert.equal(spfWithIp('v=spf1 a', '192.0.2.1'), 'v=spf1 a ip4:192.0.2.1');
  });

  test('zone lines quote and split long TXT values', () => {
    assert.equal(zoneLine('example.com', 'MX', '10 mail.example.com.', 600), 'example.com. 600 IN MX 10 mail.example.com.');
    const long = 'p='.padEnd(300, 'A');
    assert.equal(quoteTxt(long), `"${long.slice(0, 255)}" "${long.slice(255)}"`);
    assert.equal(quoteTxt('say "hi"'), '"say \\"hi\\""');
  });

  test('MTA-STS record parser', () => {
    assert.deepEqual(parseStsRecord('v=STSv1; id=20240601T1'), { ok: true, id: '20240601T1' });
    assert.equal(parseStsRecord('v=STSv1;').ok, false);
    assert.equal(parseStsRecord('id=1; v=STSv1').ok, false);
  });
});

describe('report', () => {
  const report: DoctorReport = {
    domain: 'example.com',
    primaryHostname: 'mail.example.com',
    resolvers: ['127.0.0.1:53'],
    egressIps: ['203.0.113.10'],
    egressSource: 'option',
    expectedAddresses: [],
    checks: [
      { id: 'mx', area: 'MX', title: 'MX of example.com', status: 'pass', detail: '10 mail.example.com' },
      { id: 'dmarc', area: 'DMARC', title: 'DMARC policy', status: 'warn', detail: 'p=none', fix: ['raise it', 'publish: x'] },
      { id: 'ptr:203.0.113.10', area: 'PTR', title: 'PTR of 203.0.113.10', status: 'fail', detail: 'no PTR', fix: ['set it'] },
    ],
    summary: { pass: 1, warn: 1, fail: 1 },
    queries: 3,
    durationMs: 5,
  };

  test('table: one row per check, fixes indented under the row, a summary', () => {
    const lines = renderTable(report).split('\n');
    const at = lines.findIndex((l) => l.startsWith('WARN'));
    assert.match(lines[at] ?? '', /^WARN {4}DMARC policy {9}p=none$/);
    assert.equal(lines[at + 1], `${' '.repeat(8 + 19 + 2)}fix: raise it`);
    assert.equal(lines[at + 2], `${' '.repeat(8 + 19 + 2)}     publish: x`);
    assert.match(lines[at + 3] ?? '', /^FAIL {4}PTR of 203\.0\.113\.10 {2}no PTR$/);
    assert.ok(lines.includes('1 check passed, 1 warning, 1 failure'));
    assert.match(renderTable(report, { color: true }), /\x1b\[31mFAIL\x1b\[0m/);
  });

  test('exit codes: fail → 1; warn → 0, or 1 with --strict', () => {
    assert.equal(exitCodeFor(report, false), 1);
    const warnOnly = { ...report, summary: { pass: 1, warn: 1, fail: 0 } };
    assert.equal(exitCodeFor(warnOnly, false), 0);
    assert.equal(exitCodeFor(warnOnly, true), 1);
  });
});
