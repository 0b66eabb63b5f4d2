// The SMTP probe against a local responder: greeting host, STARTTLS, silence and refusal.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import { checkSmtp } from '../../src/doctor/checks/smtp.js';
import { DoctorInputError } from '../../src/doctor/resolver.js';
import { parseSmtpTarget, probeSmtp } from '../../src/doctor/smtp.js';
import { startSmtpServer } from '../support/smtp-server.js';
import { goodPlan, zones } from './fixtures.js';
import { check, runOn } from './helpers.js';

const target = (t: string) => parseSmtpTarget(t);

describe('SMTP probe', () => {
  test('right banner and STARTTLS pass; the probe says EHLO and QUIT', async () => {
    const srv = await startSmtpServer({ banner: '220 mail.example.com ESMTP Postfix', starttls: true });
    try {
      const probe = await probeSmtp(target(srv.target), { timeoutMs: 2000 });
      assert.equal(probe.bannerHost, 'mail.example.com');
      assert.equal(probe.starttls, true);
      assert.deepEqual(srv.commands, ['EHLO doctor.mailu-k8s.invalid', 'QUIT']);
      const rows = checkSmtp(goodPlan(), probe);
      assert.deepEqual(rows.map((r) => [r.id, r.status]), [['smtp.banner', 'pass'], ['smtp.starttls', 'pass']]);
    } finally {
      await srv.close();
    }
  });

  test('a banner naming another host fails with the fix', async () => {
    const srv = await startSmtpServer({ banner: '220 ip-10-0-0-5.internal ESMTP', starttls: true });
    try {
      const rows = checkSmtp(goodPlan(), await probeSmtp(target(srv.target), { timeoutMs: 2000 }));
      const banner = rows.find((r) => r.id === 'smtp.banner');
      assert.equal(banner?.status, 'fail');
      assert.match(banner?.detail ?? '', /names ip-10-0-0-5\.internal, not mail\.example\.com/);
      assert.match(banner?.fix?.[0] ?? '', /HOSTNAMES/);
    } finally {
      await srv.close();
    }
  });

  test('a multi-line greeting is read to its last line', async () => {
    const srv = await startSmtpServer({ banner: '220-mail.example.com ESMTP\r\n220 welcome', starttls: true });
    try {
      const probe = await probeSmtp(target(srv.target), { timeoutMs: 2000 });
      assert.equal(probe.banner, '220-mail.example.com ESMTP\n220 welcome');
      assert.equal(checkSmtp(goodPlan(), probe)[0]?.status, 'pass');
    } finally {
      await srv.close();
    }
  });

  test('no STARTTLS in the EHLO reply fails', async () => {
    const srv = await startSmtpServer({ starttls: false });
    try {
      const rows = checkSmtp(goodPlan(), await probeSmtp(target(srv.target), { timeoutMs: 2000 }));
      assert.equal(rows.find((r) => r.id === 'smtp.starttls')?.status, 'fail');
      assert.equal(rows.find((r) => r.id === 'smtp.banner')?.status, 'pass');
    } finally {
      await srv.close();
    }
  });

  test('a silent server times out within the bound', async () => {
    const srv = await startSmtpServer({ silent: true });
    try {
      const t0 = Date.now();
      const probe = await probeSmtp(target(srv.target), { timeoutMs: 300 });
      assert.ok(Date.now() - t0 < 2000);
      assert.equal(probe.connected, true);
      assert.match(probe.error ?? '', /no complete answer within 300 ms/);
      const rows = checkSmtp(goodPlan(), probe);
      assert.equal(rows[0]?.status, 'fail');
      assert.match(rows[0]?.detail ?? '', /^no greeting/);
    } finally {
      await srv.close();
    }
  });

  test('a closed port is a connection failure', async () => {
    const tmp = net.createServer();
    await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', () => r()));
    const port = (tmp.address() as net.AddressInfo).port;
    await new Promise<void>((r) => tmp.close(() => r()));
    const probe = await probeSmtp({ host: '127.0.0.1', port }, { timeoutMs: 1000 });
    const rows = checkSmtp(goodPlan(), probe);
    assert.deepEqual(rows.map((r) => [r.id, r.status]), [['smtp.connect', 'fail']]);
    assert.match(rows[0]?.detail ?? '', /ECONNREFUSED/);
  });

  test('--smtp syntax', () => {
    assert.deepEqual(parseSmtpTarget('mail.example.com'), { host: 'mail.example.com', port: 25 });
    assert.deepEqual(parseSmtpTarget('203.0.113.10:587'), { host: '203.0.113.10', port: 587 });
    assert.deepEqual(parseSmtpTarget('[2001:db8::10]:25'), { host: '2001:db8::10', port: 25 });
    assert.deepEqual(parseSmtpTarget('2001:db8::10'), { host: '2001:db8::10', port: 25 });
    assert.throws(() => parseSmtpTarget('host:99999'), DoctorInputError);
    assert.throws(() => parseSmtpTarget(''), DoctorInputError);
  });

  test('the doctor runs the probe alongside the DNS checks', async () => {
    const srv = await startSmtpServer({ banner: '220 mail.example.com ESMTP', starttls: false });
    try {
      const { report } = await runOn(zones(), { smtp: target(srv.target), smtpTimeoutMs: 2000 });
      assert.equal(check(report, 'smtp.banner').status, 'pass');
      assert.equal(check(report, 'smtp.starttls').status, 'fail');
      assert.equal(report.summary.fail, 1);
    } finally {
      await srv.close();
    }
  });
});
