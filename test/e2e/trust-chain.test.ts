// The client-address trust chain, end to end, with real processes on loopback: for every exposure
// mode, front runs exactly as Mailu 2024.06's own config.py renders it from our synthesized
// Deployment (real nginx with the mail module, real dovecot with Mailu's proxy.conf + login.lua),
// behind a real PROXY v2 sender (haproxy playing the load balancer and Traefik), and we check what
// client address reaches admin's auth endpoint, postfix/dovecot behind front, and admin's web side.
//
// Addresses (all on 127.0.0.0/8, outgoing sockets bound with localAddress / haproxy `source`):
//   proxy    127.0.0.10  the LB / Traefik / HTTP proxy. The config trusts exactly 127.0.0.10/32
//                        (loadBalancer.proxyProtocol.trustedCidrs, traefik.trustedProxyCidrs,
//                        web.realIpFrom), so Mailu's REAL_IP_FROM names exactly it.
//   client   127.0.0.20  a mail client on the internet.
//   attacker 127.0.0.66  reaches front directly and forges PROXY headers / X-Forwarded-For.
//   forged   127.1.0.99  the address the attacker claims: inside cluster.podCidr 127.1.0.0/16 (=
//                        SUBNET, what Mailu relays for), the claim that would make an open relay.
//                        serviceCidr is 127.2.0.0/16; neither range contains the three above.
// Ports: exposure.ports is 25, 465, 587, 993 (465, 587, 993 behind a PROXY load balancer: the model
// refuses PROXY on 25 there). The harness (test/support/e2e/front.ts) moves every listener Mailu
// renders to a free port on 127.0.0.1 (25, 80, 443, 465, 993, … and front's internal 8000, 10204,
// 10143, …), points admin's FQDN:8080 at our stand-in and nginx's resolver at our DNS server; the
// mapping is per run (front.ports: container port → local port). Nothing deciding trust changes.
//
// How each fact is observed:
//   mail  admin's stand-in records every /internal/auth/email call (Client-Ip, Auth-Protocol, …)
//         from nginx (port 25) and from dovecot's login.lua (submissions 465, imaps 993); the SMTP
//         backends record the XCLIENT ADDR nginx / dovecot hand postfix, the IMAP backend the ID
//         x-originating-ip dovecot hands the mailbox server. Calls are matched to connections by a
//         tag (MAIL FROM / login name). 587 is only checked as rendered (haproxy = yes).
//   web   Mailu's nginx proxies /sso/ to admin with `X-Real-IP: $remote_addr` (proxy.conf), the
//         header admin takes the client address from; the stand-in records it, so X-Real-IP is
//         nginx's $remote_addr after its real-IP handling (PROXY or X-Forwarded-For).
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { MailuConfigInput } from '../../src/config/schema.js';
import { render } from '../support/chart-helpers.js';
import { startDnsServer } from '../support/dns-server.js';
import { type ConnectOptions, connect, httpGet, imapLogin, type Outcome, smtpRcpt, submissionAuth } from '../support/e2e/clients.js';
import { dovecotMissing, nginxMissing, type RunningFront, startFront } from '../support/e2e/front.js';
import { haproxyMissing, type Route, type RunningHaproxy, startHaproxy } from '../support/e2e/haproxy.js';
import { type AdminStub, type AuthCall, type LineBackend, startAdminStub, startImapBackend, startSmtpBackend } from '../support/e2e/peers.js';
import { tempDir } from '../support/e2e/processes.js';
import { proxyV2Header } from '../support/e2e/proxy-v2.js';
import { containerView, resolvConf, secretMountFiles, serviceHosts } from '../support/mailu/effective-env.js';
import { mailuPython, renderFront } from '../support/mailu/render.js';

const PROXY = '127.0.0.10';
const CLIENT = '127.0.0.20';
const ATTACKER = '127.0.0.66';
const FORGED = '127.1.0.99';
const HOST = '127.0.0.1';

interface Mode {
  name: string;
  exposure: MailuConfigInput['exposure'];
  web: MailuConfigInput['web'];
  /** exposure.ports for this mode. */
  ports: number[];
  /** Mail ports that must arrive with PROXY v2 from the proxy (haproxy routes exactly these). */
  proxied: number[];
  /** How web traffic reaches front: straight, PROXY v2 in TCP (LB), or an HTTP proxy adding X-Forwarded-For. */
  webVia: 'direct' | 'proxy-v2' | 'http-proxy';
  /** web.realIpFrom names the proxy: X-Forwarded-For from it is honoured. */
  webTrustsProxyHeader: boolean;
}

const TRUSTED = [`${PROXY}/32`];
const ALL_MAIL = [25, 465, 587, 993];
// The model refuses PROXY on 25 behind a load balancer (Mailu's own mail to HOSTNAMES[0]:25 would
// arrive without it), so that mode publishes the other ports; front still listens on 25 without PROXY.
const LB_PROXY_MAIL = [465, 587, 993];
const MODES: Mode[] = [
  { name: 'hostPort', exposure: { mode: 'hostPort' }, web: { kind: 'none' }, ports: ALL_MAIL, proxied: [], webVia: 'direct', webTrustsProxyHeader: false },
  {
    name: 'hostPort, web behind an ingress (web.realIpFrom)',
    exposure: { mode: 'hostPort' },
    web: { kind: 'ingress', className: 'nginx', realIpFrom: TRUSTED },
    ports: ALL_MAIL, proxied: [], webVia: 'http-proxy', webTrustsProxyHeader: true,
  },
  {
    name: 'loadBalancer without PROXY',
    exposure: { mode: 'loadBalancer' },
    web: { kind: 'none' },
    ports: ALL_MAIL, proxied: [], webVia: 'direct', webTrustsProxyHeader: false,
  },
  {
    name: 'loadBalancer with proxyProtocol',
    exposure: { mode: 'loadBalancer', loadBalancer: { proxyProtocol: { trustedCidrs: TRUSTED } } },
    web: { kind: 'none' },
    ports: LB_PROXY_MAIL, proxied: LB_PROXY_MAIL, webVia: 'proxy-v2', webTrustsProxyHeader: false,
  },
  {
    name: 'traefik v2',
    exposure: { mode: 'traefik', traefik: { version: 2, trustedProxyCidrs: TRUSTED } },
    web: { kind: 'traefik', realIpFrom: TRUSTED },
    ports: ALL_MAIL, proxied: ALL_MAIL, webVia: 'http-proxy', webTrustsProxyHeader: true,
  },
  {
    name: 'traefik v3',
    exposure: { mode: 'traefik', traefik: { version: 3, trustedProxyCidrs: TRUSTED } },
    web: { kind: 'traefik', realIpFrom: TRUSTED },
    ports: ALL_MAIL, proxied: ALL_MAIL, webVia: 'http-proxy', webTrustsProxyHeader: true,
  },
];

/** The mail listeners checked: nginx's SMTP (25) and two of dovecot's login services. */
interface Probe {
  port: 25 | 465 | 993;
  protocol: 'smtp' | 'submission' | 'imap';
  daemon: 'nginx' | 'dovecot';
}
const PROBES: Probe[] = [
  { port: 25, protocol: 'smtp', daemon: 'nginx' },
  { port: 465, protocol: 'submission', daemon: 'dovecot' },
  { port: 993, protocol: 'imap', daemon: 'dovecot' },
];

function configFor(m: Mode): MailuConfigInput {
  return {
    domain: 'example.com',
    hostnames: ['mail.example.com'],
    cluster: { podCidr: '127.1.0.0/16', serviceCidr: '127.2.0.0/16' },
    tls: { source: 'secret', secretName: 'mailu-tls' },
    egress: { mode: 'nodeIps', addresses: ['203.0.113.10'] },
    dns: { addresses: ['203.0.113.10'] },
    exposure: { ...m.exposure, ports: m.ports } as MailuConfigInput['exposure'],
    web: m.web,
  };
}

interface World {
  mode: Mode;
  front: RunningFront;
  haproxy: RunningHaproxy | undefined;
  admin: AdminStub;
  /** Postfix (behind nginx) and the submission relay (behind dovecot): SMTP backends. */
  smtp: LineBackend;
  submission: LineBackend;
  imap: LineBackend;
  /** dovecot runs (IMAP/submission checks) or why not. */
  dovecotSkip: string | undefined;
  /** Web checks go to 443 (front serves HTTPS), or to 80 behind an HTTP proxy. */
  webPort: 80 | 443;
}

function missingTools(m: Mode): string | undefined {
  const py = mailuPython();
  if (!py.ok) return `${py.reason}: Mailu's config.py cannot render front`;
  const nginx = nginxMissing();
  if (nginx) return `${nginx}: front cannot run`;
  if (m.proxied.length > 0 || m.webVia !== 'direct') {
    const h = haproxyMissing();
    if (h) return `${h}: no PROXY / HTTP proxy in front of Mailu`;
  }
  return undefined;
}

async function startWorld(t: TestContext, mode: Mode): Promise<World | string> {
  const r = render(configFor(mode));
  const view = containerView(r, 'front');
  const files = secretMountFiles(view, 'mail.example.com');
  if (!files) return 'openssl not installed: no certificate for front (TLS ports)';
  const rendered = await renderFront(view.env, { files, hosts: serviceHosts(r), resolvConf: resolvConf(view), keep: true });
  t.after(() => rendered.cleanup());

  const dns = await startDnsServer({ zones: [{ origin: '127.in-addr.arpa', records: [] }], lifetimeMs: 600_000 });
  t.after(() => dns.close());
  const [smtp, submission, imap] = await Promise.all([startSmtpBackend(), startSmtpBackend(), startImapBackend()]);
  const admin = await startAdminStub({ smtp: smtp.port, submission: submission.port, imap: imap.port });
  t.after(() => Promise.all([smtp.close(), submission.close(), imap.close(), admin.close()]));

  const dovecotSkip = dovecotMissing();
  const front = await startFront(t, rendered, { adminPort: admin.port, dnsPort: dns.port, dovecot: dovecotSkip === undefined });
  // An HTTP proxy forwards plain HTTP to port 80 (the model's webBackendPort); otherwise clients
  // speak HTTPS to front itself (Mailu listens on 443 with every TLS flavour).
  const webPort = mode.webVia === 'http-proxy' ? 80 : 443;
  // Only ports something listens on here (without dovecot, only nginx's).
  const routes: Route[] = mode.proxied.filter((p) => front.ports.has(p)).map((p) => ({ target: front.ports.get(p)!, kind: 'tcp-proxy-v2' }));
  if (mode.webVia === 'proxy-v2') routes.push({ target: front.ports.get(webPort)!, kind: 'tcp-proxy-v2' });
  if (mode.webVia === 'http-proxy') routes.push({ target: front.ports.get(webPort)!, kind: 'http-forwarded-for' });
  const haproxy = routes.length ? await startHaproxy(t, tempDir(t, 'mailu-haproxy'), routes, PROXY) : undefined;
  return { mode, front, haproxy, admin, smtp, submission, imap, dovecotSkip, webPort };
}

/** Straight to front's listener for a container port. */
function direct(w: World, containerPort: number, localAddress: string, extra: Partial<ConnectOptions> = {}): ConnectOptions {
  const port = w.front.ports.get(containerPort);
  assert.ok(port, `front does not listen on ${containerPort}`);
  return { host: HOST, port, localAddress, tls: [443, 465, 993].includes(containerPort), ...extra };
}

/** The way a real client reaches a port: through the proxy when the mode has one for it. */
function viaExposure(w: World, containerPort: number, localAddress: string): ConnectOptions {
  const d = direct(w, containerPort, localAddress);
  const entry = w.haproxy?.entry.get(d.port);
  return entry ? { ...d, port: entry } : d;
}

function forgedHeader(w: World, containerPort: number): Buffer {
  return proxyV2Header({ sourceAddress: FORGED, sourcePort: 40000, destinationAddress: HOST, destinationPort: w.front.ports.get(containerPort)! });
}

function debug(w: World): string {
  return `\n--- auth calls\n${JSON.stringify(w.admin.auth, null, 1)}\n--- nginx\n${w.front.nginx.output().slice(-4000)}`
    + `\n--- dovecot\n${w.front.dovecot?.output().slice(-4000) ?? ''}\n--- haproxy\n${w.haproxy?.daemon.output().slice(-2000) ?? ''}`;
}

let seq = 0;

interface Session {
  outcome: Outcome;
  /** The auth calls this session caused (matched by its tag). */
  calls: AuthCall[];
  /** The client address front handed the backend (XCLIENT ADDR / ID x-originating-ip), if it got that far. */
  backendSaw: string | undefined;
}

function backendOf(w: World, p: Probe): LineBackend {
  return p.protocol === 'smtp' ? w.smtp : p.protocol === 'submission' ? w.submission : w.imap;
}

function handedAddress(lines: string[]): string | undefined {
  for (const l of lines) {
    const m = /^XCLIENT .*\bADDR=(\S+)/i.exec(l) ?? /"x-originating-ip" "([^"]+)"/i.exec(l);
    if (m) return m[1];
  }
  return undefined;
}

/** One login/transaction on a probe's protocol; its auth calls and what the backend was told. */
async function session(w: World, p: Probe, o: ConnectOptions, what: string): Promise<Session> {
  const id = `${what}-${++seq}`;
  const backend = backendOf(w, p);
  const before = backend.sessions.length;
  const outcome = p.protocol === 'smtp' ? await smtpRcpt(o, id) : p.protocol === 'imap' ? await imapLogin(o, id) : await submissionAuth(o, id);
  const calls = w.admin.auth.filter((a) =>
    p.protocol === 'smtp' ? (a['auth-smtp-from'] ?? '').includes(`<${id}@`) : decodeURIComponent(a['auth-user'] ?? '') === id);
  return { outcome, calls, backendSaw: handedAddress(backend.sessions.slice(before).flat()) };
}

/** Container ports of dovecot's inet_listeners that expect PROXY (`haproxy = yes`), sorted. */
function haproxyListeners(w: World): number[] {
  const byLocal = new Map([...w.front.ports].map(([container, local]) => [local, container]));
  const blocks = w.front.configs.dovecot!.matchAll(/inet_listener \S+ \{([^}]*)\}/g);
  return [...blocks]
    .filter((b) => /^\s*haproxy = yes\s*$/m.test(b[1]!))
    .map((b) => byLocal.get(Number(/port = (\d+)/.exec(b[1]!)?.[1]))!)
    .sort((a, b) => a - b);
}

/** Connects to a PROXY port without a PROXY header, speaking first; what came back before the close. */
async function withoutProxy(o: ConnectOptions): Promise<{ received: string; tls: boolean }> {
  const c = await connect(o);
  const tls = (c.socket as { encrypted?: boolean }).encrypted === true && !c.socket.destroyed;
  if (!o.tls) c.write('EHLO client.test\r\n');
  return { received: await c.rest(), tls };
}

for (const mode of MODES) {
  test(`trust chain, ${mode.name}`, { timeout: 180_000 }, async (t) => {
    const missing = missingTools(mode);
    if (missing) return t.skip(missing);
    const started = await startWorld(t, mode);
    if (typeof started === 'string') return t.skip(started);
    const w = started;
    const probes = PROBES.filter((p) => p.daemon === 'nginx' || w.dovecotSkip === undefined);
    if (w.dovecotSkip) {
      // Mailu's front proxies IMAP, POP3, submission and sieve with dovecot only (nginx's mail
      // module serves port 25 alone), so nothing else can stand in for it.
      await t.test('submission (465) and IMAP (993) through front\'s dovecot', (st) => st.skip(`${w.dovecotSkip}: not checked`));
    }
    const proxied = (p: Probe) => mode.proxied.includes(p.port);

    await t.test('Mailu rendered PROXY and trust for exactly the expected ports', () => {
      const mail = w.front.configs.nginx.split(/\nmail \{/)[1] ?? '';
      assert.equal(/listen 127\.0\.0\.1:\d+ proxy_protocol;/.test(mail), mode.proxied.includes(25), 'PROXY on port 25');
      assert.equal(mail.includes(`set_real_ip_from ${PROXY}/32;`), mode.proxied.includes(25));
      if (w.front.configs.dovecot) {
        assert.deepEqual(haproxyListeners(w), mode.proxied.filter((p) => p !== 25), 'dovecot listeners with haproxy = yes');
        // REAL_IP_FROM as a whole (web.realIpFrom included): harmless where no listener takes PROXY.
        const trusted = /^haproxy_trusted_networks = (.*)$/m.exec(w.front.configs.dovecot)?.[1]?.trim();
        assert.equal(trusted, mode.proxied.length || mode.webTrustsProxyHeader ? `${PROXY}/32` : '');
      }
    });

    await t.test("a client's address arrives intact", async () => {
      for (const p of probes) {
        const s = await session(w, p, viaExposure(w, p.port, CLIENT), 'client');
        const via = proxied(p) ? 'through the proxy' : 'directly';
        assert.ok(s.outcome.greeted, `${p.port} ${via}: no greeting: ${s.outcome.transcript.join(' | ')}${debug(w)}`);
        assert.equal(s.calls.length, 1, `${p.port}: one auth call${debug(w)}`);
        assert.equal(s.calls[0]!['client-ip'], CLIENT, `${p.port} ${via}: Client-Ip`);
        assert.equal(s.calls[0]!['auth-protocol'], p.protocol);
        assert.equal(s.backendSaw, CLIENT, `${p.port}: the backend is handed the client (${s.outcome.transcript.join(' | ')})`);
      }
    });

    await t.test('a forged PROXY header from an untrusted source is ignored or refused', async () => {
      for (const p of probes) {
        const s = await session(w, p, direct(w, p.port, ATTACKER, { prelude: forgedHeader(w, p.port) }), 'attacker');
        for (const c of s.calls) assert.equal(c['client-ip'], ATTACKER, `${p.port}: only the TCP peer may be seen`);
        if (p.daemon === 'nginx' && proxied(p)) {
          // nginx reads the header on a proxy_protocol listener but believes only set_real_ip_from.
          assert.ok(s.outcome.greeted, s.outcome.transcript.join(' | '));
          assert.equal(s.calls.length, 1, `the session went on as the attacker's own address${debug(w)}`);
          assert.equal(s.backendSaw, ATTACKER);
        } else {
          // dovecot drops an untrusted PROXY sender (haproxy_trusted_networks); a listener without
          // PROXY reads the header as protocol input (its signature reads as QUIT, spec §2.2) or as
          // a broken TLS handshake. Either way no login happens.
          assert.equal(s.calls.length, 0, `${p.port}: ${s.outcome.transcript.join(' | ')}${debug(w)}`);
        }
      }
      assert.ok(!w.admin.auth.some((a) => a['client-ip'] === FORGED), `the forged address reached admin${debug(w)}`);
      const handed = [w.smtp, w.submission, w.imap].map((b) => handedAddress(b.sessions.flat()));
      assert.ok(!handed.includes(FORGED), 'the forged address reached a backend');
    });

    const proxiedProbes = probes.filter(proxied);
    if (proxiedProbes.length > 0) {
      await t.test('control: the same hand-written header IS believed from the trusted proxy address', async () => {
        for (const p of proxiedProbes) {
          const s = await session(w, p, direct(w, p.port, PROXY, { prelude: forgedHeader(w, p.port) }), 'proxy-header');
          assert.equal(s.calls.length, 1, `${p.port}${debug(w)}`);
          assert.equal(s.calls[0]!['client-ip'], FORGED, `${p.port}`);
        }
      });

      await t.test('a connection without PROXY to a PROXY port is dropped', async () => {
        const before = w.admin.auth.length;
        // From a client, and from the trusted proxy itself (a health check or an in-cluster
        // sender that skips the balancer): the missing header alone gets it dropped.
        for (const from of [CLIENT, PROXY]) {
          for (const p of proxiedProbes) {
            const r = await withoutProxy(direct(w, p.port, from));
            assert.equal(r.received, '', `${p.port} from ${from}: nothing comes back, no greeting`);
            assert.equal(r.tls, false, `${p.port} from ${from}: no TLS session`);
          }
        }
        assert.equal(w.admin.auth.length, before, `no auth request${debug(w)}`);
      });
    }

    const plain = probes.filter((p) => !proxied(p));
    if (plain.length > 0) {
      await t.test(`ports without PROXY (${plain.map((p) => p.port).join(', ')}): Mailu sees the TCP peer`, async () => {
        for (const p of plain) {
          const s = await session(w, p, direct(w, p.port, ATTACKER), 'peer');
          assert.equal(s.calls.length, 1, `${p.port}${debug(w)}`);
          assert.equal(s.calls[0]!['client-ip'], ATTACKER, `${p.port}`);
          assert.equal(s.backendSaw, ATTACKER, `${p.port}`);
        }
      });
    }

    await t.test('web: a forged X-Forwarded-For from an untrusted source changes nothing', async () => {
      // Attackers reach front's web port directly, except behind a PROXY load balancer: that port
      // drops anything without PROXY, so they come through the balancer like everyone else.
      const o = mode.webVia === 'proxy-v2' ? viaExposure(w, w.webPort, ATTACKER) : direct(w, w.webPort, ATTACKER);
      const res = await httpGet(o, '/sso/login', { 'X-Forwarded-For': FORGED });
      assert.match(res.status ?? '', /^HTTP\/1\.1 200/, debug(w));
      const call = w.admin.web.at(-1)!;
      assert.equal(call.realIp, ATTACKER, 'admin is told the TCP peer (or the PROXY address)');
      if (mode.webVia === 'direct') assert.equal(call.forwardedFor, ATTACKER, 'the forged header is replaced');
    });

    if (mode.webVia === 'proxy-v2') {
      await t.test('web: PROXY on the web port carries the client; without it the port answers nothing', async () => {
        const res = await httpGet(viaExposure(w, w.webPort, CLIENT), '/sso/login');
        assert.match(res.status ?? '', /^HTTP\/1\.1 200/);
        assert.equal(w.admin.web.at(-1)!.realIp, CLIENT);
        const seen = w.admin.web.length;
        const bare = await httpGet(direct(w, w.webPort, CLIENT), '/sso/login');
        assert.equal(bare.status, undefined, 'no HTTP answer without PROXY');
        assert.equal(w.admin.web.length, seen);
      });
    } else if (mode.webTrustsProxyHeader) {
      await t.test('web: X-Forwarded-For from the trusted proxy (web.realIpFrom) is honoured', async () => {
        const res = await httpGet(viaExposure(w, w.webPort, CLIENT), '/sso/login');
        assert.match(res.status ?? '', /^HTTP\/1\.1 200/, debug(w));
        assert.equal(w.admin.web.at(-1)!.realIp, CLIENT);
        // A client forging the header through the proxy: real_ip_recursive stops at the first
        // untrusted address from the right, the one the proxy appended: the client's own.
        await httpGet(viaExposure(w, w.webPort, CLIENT), '/sso/login', { 'X-Forwarded-For': FORGED });
        assert.equal(w.admin.web.at(-1)!.realIp, CLIENT);
      });
    } else {
      await t.test('web: without web.realIpFrom even the proxy address is not believed', async () => {
        await httpGet(direct(w, w.webPort, PROXY), '/sso/login', { 'X-Forwarded-For': FORGED });
        assert.equal(w.admin.web.at(-1)!.realIp, PROXY);
      });
    }
  });
}
