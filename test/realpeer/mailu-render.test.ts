// Mailu's own start-up scripts (vendored, unchanged) run on what we generate, over a pairwise
// covering subset of exposure × web × egress × database × ports × webmail × extras. The daemons'
// checkers (nginx -t, postconf, doveconf) must accept the result, and the RENDERED configs — not
// our env — must mean what the model intends: listeners, PROXY, trusted networks, relaying, and
// every address Mailu dials reaching a Service of ours that NetworkPolicies admit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INTERNET, egressAllows, ingressAllows, numList } from '../support/chart-helpers.js';
import type { CheckResult } from '../support/mailu/checkers.js';
import { parseDovecot, parseMainCf, parseMasterCf, parseNginx, postfixList } from '../support/mailu/conf-parsers.js';
import { mailuPython } from '../support/mailu/render.js';
import { type Bundle, bounded, buildBundle } from './bundle.js';
import { FACTOR_NAMES, allPairs, pairsOf, realPeerCases } from './cases.js';
import { addressIn, addressProblems, dialProblems, frontListeners, internalPorts, isEveryone, sortedSet, trustLists } from './semantics.js';

const python = mailuPython();
/** Postfix levels that never send without TLS (so never send SASL credentials in clear). */
const STRONG_TLS = ['encrypt', 'fingerprint', 'verify', 'secure', 'dane-only'];
const cases = realPeerCases();
// Two cores: a few cases at once keeps both busy while Python and the checkers start.
const bundles = python.ok ? bounded(cases, 4, buildBundle) : [];
for (const p of bundles) p.catch(() => undefined); // awaited (and reported) by each case's test

test('the cases cover every pair of factor values', () => {
  const covered = new Set(cases.flatMap((c) => pairsOf(c.choice)));
  assert.deepEqual([...allPairs()].filter((p) => !covered.has(p)), []);
  assert.ok(cases.length < 30, `pairwise keeps the suite small (${cases.length} cases)`);
  for (const f of FACTOR_NAMES) assert.ok(new Set(cases.map((c) => c.choice[f])).size > 1, `${f} varies`);
});

function assertClean(t: { skip(msg: string): void }, tool: string, res: CheckResult | CheckResult[] | undefined): void {
  if (res === undefined) return t.skip(`${tool} not installed: rendered config not checked by ${tool}`);
  for (const r of [res].flat()) {
    assert.deepEqual({ code: r.code, problems: r.problems }, { code: 0, problems: [] }, `${r.command}\n${r.stderr}`);
  }
}

for (const [i, c] of cases.entries()) {
  test(c.name, { skip: python.ok ? false : `${python.reason}: Mailu's start-up scripts not run` }, async (t) => {
    const b: Bundle = await bundles[i]!;
    const model = b.r.result.chart.model;
    const env = b.views.front!.env;
    const ports = numList(env.PORTS);

    await t.test('nginx -t accepts front\'s nginx.conf', (t) => assertClean(t, 'nginx', b.checks.nginx));
    await t.test('postconf -n and -M accept smtp\'s main.cf/master.cf without warnings', (t) => assertClean(t, 'postconf', b.checks.postconf));
    await t.test('doveconf -n accepts front\'s proxy.conf', (t) => assertClean(t, 'doveconf', b.checks.doveconfFront));
    await t.test('doveconf -n accepts imap\'s dovecot.conf', (t) => assertClean(t, 'doveconf', b.checks.doveconfImap));

    await t.test('front serves TLS with the mounted certificate (TLS_CERT_FILENAME/TLS_KEYPAIR_FILENAME)', (t) => {
      if (!b.withCerts) return t.skip('openssl not installed: no throwaway certificate, TLS wiring not checked');
      const tlsConf = parseNginx(b.front.files['/etc/nginx/tls.conf']!);
      const arg = (name: string) => tlsConf.filter((d) => d.name === name).map((d) => d.args[0]);
      const certDir = b.views.front!.mounts.find((m) => m.source.kind === 'secret')?.mountPath;
      assert.ok(certDir, 'front mounts the TLS Secret');
      assert.deepEqual(arg('ssl_certificate'), [`${certDir}/${env.TLS_CERT_FILENAME ?? 'cert.pem'}`]);
      assert.deepEqual(arg('ssl_certificate_key'), [`${certDir}/${env.TLS_KEYPAIR_FILENAME ?? 'key.pem'}`]);
      assert.ok(b.front.files[arg('ssl_certificate')[0]!], 'the certificate file nginx names is in the mounted Secret');
      assert.doesNotMatch(b.front.log, /Missing cert or key file/);
      const proxy = parseDovecot(b.front.files['/etc/dovecot/proxy.conf']!).settings;
      assert.equal(proxy.ssl, 'required');
      assert.equal(proxy.ssl_cert, `<${arg('ssl_certificate')[0]}`);
    });

    await t.test('front listens on exactly PORTS (published ports and 80/443) plus the internal ports', (t) => {
      if (!b.withCerts) t.diagnostic('openssl not installed: front rendered without certificates, TLS listeners absent');
      const listen = sortedSet(frontListeners(b).map((l) => l.port));
      const internal = internalPorts(ports);
      // Mailu's nginx always opens 25 ("SMTP is always enabled"), whatever PORTS says.
      const tlsLost = b.withCerts ? [] : [443, 465, 993, 995];
      const expected = sortedSet([...ports, 25, ...internal].filter((p) => !tlsLost.includes(p)));
      assert.deepEqual(listen, expected, `listeners ${JSON.stringify(frontListeners(b))}`);
      const published = model.exposure.publicPorts.map((p) => p.port);
      assert.deepEqual(published.filter((p) => !listen.includes(p)), [], 'every published port has a listener');
    });

    await t.test('nothing routes or admits traffic to 14190 unless front listens on it', () => {
      const listens = frontListeners(b).some((l) => l.port === 14190);
      const svc = b.r.service(`${b.r.instance}-front`);
      const inService = svc.spec?.ports?.some((p) => p.port === 14190 || p.targetPort === 14190) ?? false;
      assert.ok(listens || !inService, 'front Service routes 14190, but Mailu opens it only when PORTS has 4190');
      const webmail = { pod: { namespace: b.r.namespace, labels: { ...b.r.podLabels('front'), 'app.kubernetes.io/component': 'webmail' } } };
      const admitted = ingressAllows(b.r.policies(), webmail, b.r.pod('front'), 14190);
      assert.ok(listens || !admitted, 'a NetworkPolicy admits webmail → front:14190, but front does not listen on it');
    });

    await t.test('PROXY protocol is expected on exactly the ports a proxy sends it to', () => {
      const proxied = sortedSet(frontListeners(b).filter((l) => l.proxy).map((l) => l.port));
      const listen = frontListeners(b).map((l) => l.port);
      // Without a certificate Mailu drops its TLS listeners; their PROXY flags cannot be seen then.
      const expected = b.withCerts ? model.exposure.proxyPorts : model.exposure.proxyPorts.filter((p) => listen.includes(p));
      assert.deepEqual(proxied, sortedSet(expected));
      const mixed = frontListeners(b).filter((l) => proxied.includes(l.port) && !l.proxy);
      assert.deepEqual(mixed, [], 'no listener of a proxied port accepts connections without PROXY');
    });

    await t.test('trusted networks hold only the intended proxies, never everyone', () => {
      const lists = trustLists(b);
      const web = c.config.web && 'realIpFrom' in c.config.web ? (c.config.web.realIpFrom ?? []) : [];
      const intended = new Set([...model.exposure.proxyTrustedCidrs, ...web]);
      const subnets = [model.trust.subnet, ...(model.trust.subnet6 ? [model.trust.subnet6] : [])];
      for (const [where, cidrs] of Object.entries(lists)) {
        assert.deepEqual(cidrs.filter(isEveryone), [], `${where} trusts everyone`);
        const allowed = where.startsWith('imap') ? new Set(subnets) : intended;
        assert.deepEqual(cidrs.filter((x) => !allowed.has(x)), [], `${where}: ${cidrs.join(' ')}`);
      }
      assert.deepEqual(lists['imap dovecot login_trusted_networks'], subnets, 'imap trusts front (the pod CIDR) as its proxy');
      const mailProxied = model.exposure.proxyPorts.filter((p) => p !== 80 && p !== 443);
      const proxies = model.exposure.proxyTrustedCidrs;
      if (mailProxied.some((p) => p !== 25)) assert.deepEqual(proxies.filter((x) => !lists['front dovecot haproxy_trusted_networks']!.includes(x)), []);
      if (mailProxied.includes(25)) assert.deepEqual(proxies.filter((x) => !lists['nginx mail set_real_ip_from']!.includes(x)), []);
      else assert.deepEqual(lists['nginx mail set_real_ip_from'], [], 'no PROXY on 25: nginx mail trusts nobody');
    });

    await t.test('a web-only proxy cannot reach a PROXY mail port (Mailu trusts REAL_IP_FROM there too)', () => {
      const webOnly = [...new Set(trustLists(b)['front dovecot haproxy_trusted_networks'])].filter((x) => !model.exposure.proxyTrustedCidrs.includes(x));
      const ns = c.config.web && 'namespace' in c.config.web ? c.config.web.namespace : undefined;
      for (const cidr of webOnly) {
        const ip = addressIn(cidr);
        const from = { ip, ...(ns ? { pod: { namespace: ns, labels: {} } } : {}) };
        for (const port of model.exposure.proxyPorts.filter((p) => p !== 80 && p !== 443)) {
          assert.equal(ingressAllows(b.r.policies(), from, b.r.pod('front'), port), false, `${cidr} (web proxy) → front:${port}`);
        }
      }
    });

    await t.test('postfix relays only for loopback and the pod CIDR; a relay gets encrypted, authenticated mail', () => {
      const main = parseMainCf(b.smtp.files['/etc/postfix/main.cf']!);
      // postfix writes an IPv6 network with the address in brackets: [2001:db8:42::]/56.
      const postfix6 = (cidr: string) => cidr.replace(/^(.*)\/(\d+)$/, '[$1]/$2');
      const subnets = [model.trust.subnet, ...(model.trust.subnet6 ? [`[::1]/128`, postfix6(model.trust.subnet6)] : [])];
      assert.deepEqual(postfixList(main.mynetworks).sort(), ['127.0.0.1/32', ...subnets].sort());
      assert.deepEqual(postfixList(main.smtpd_authorized_xclient_hosts), subnets.filter((s) => s !== '[::1]/128'));
      assert.ok(parseMasterCf(b.smtp.files['/etc/postfix/master.cf']!).some((e) => e.service === '10025'), 'internal submission service');
      const level = main.smtp_tls_security_level;
      if (c.config.egress?.mode === 'relay') {
        assert.equal(main.relayhost, `[${c.config.egress.host}]:${c.config.egress.port ?? 587}`);
        assert.ok(egressAllows(b.r.policies(), b.r.pod('smtp'), INTERNET, Number(c.config.egress.port ?? 587)), 'smtp may reach the relay port');
        if (c.config.egress.secret) {
          assert.equal(main.smtp_sasl_auth_enable, 'yes');
          assert.ok(STRONG_TLS.includes(level!), `smtp_tls_security_level = ${level}: relay credentials would cross unencrypted if STARTTLS is stripped`);
          assert.match(b.smtp.files['/etc/postfix/sasl_passwd'] ?? '', /^\[smtp\.relay\.example\.net\]:587 \S+:\S+$/m);
        }
      } else {
        assert.equal(main.relayhost, '');
        assert.notEqual(level, 'none');
      }
    });

    await t.test('every *_ADDRESS names a Service of ours selecting its component', () => {
      assert.deepEqual(addressProblems(b), []);
    });

    await t.test('every address Mailu dials is a Service port of the right component, listening, and admitted by the NetworkPolicies', () => {
      assert.ok(b.dials.length > 20, `dials found: ${b.dials.length}`);
      assert.deepEqual(dialProblems(b), []);
    });
  });
}
