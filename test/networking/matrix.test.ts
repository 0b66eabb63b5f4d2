// Every exposure mode × web kind × egress mode: the output validates strictly (Kubernetes schemas
// and the upstream Traefik/Cilium CRDs) and holds the trust and exposure invariants that keep a
// Kubernetes Mailu from becoming an open relay or trusting spoofed client addresses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Container, Service } from 'kubernetes-types/core/v1.js';
import {
  INTERNET,
  assertValid,
  cfg,
  cidrCovers,
  mayConnect,
  numList,
  podIn,
  prefixLength,
  render,
  sorted,
  strList,
  type Manifest,
  type Rendered,
} from '../support/chart-helpers.js';
import { EXPOSURES, LB_PROXY_CIDRS, TRAEFIK_PROXY_CIDRS, matrix } from './fixtures.js';

const DEFAULT_MAIL_PORTS = [25, 465, 587, 993];
const EVERY_PORT = [25, 465, 587, 993, 143, 995, 110, 4190, 80, 443];

interface RouteService {
  name: string;
  port: number;
  proxyProtocol?: { version?: number };
  serversTransport?: string;
}
interface TcpRoute {
  spec: { entryPoints?: string[]; routes: { match: string; services: RouteService[] }[]; tls?: unknown };
}

/** Every way the outside world reaches a pod, read from the objects (not from the model). */
function publicPaths(r: Rendered) {
  const hostPorts: { component: string; port: number }[] = [];
  for (const w of [...r.all('Deployment'), ...r.all('DaemonSet')]) {
    const spec = (w.spec as { template: { spec: { containers: Container[] } } }).template.spec;
    for (const c of spec.containers) for (const p of c.ports ?? []) if (p.hostPort !== undefined) hostPorts.push({ component: w.metadata.labels!['app.kubernetes.io/component']!, port: p.hostPort });
  }
  const external = r.all('Service').filter((s) => {
    const type = (s as unknown as Service).spec?.type;
    return type === 'LoadBalancer' || type === 'NodePort';
  }) as unknown as Service[];
  const tcpRoutes = r.all('IngressRouteTCP') as unknown as (Manifest & TcpRoute)[];
  return { hostPorts, external, tcpRoutes };
}

function transportSendsProxyV2(r: Rendered, name: string): boolean {
  const st = r.find('ServersTransportTCP', name) as (Manifest & { spec?: { proxyProtocol?: { version?: number } } }) | undefined;
  return st?.spec?.proxyProtocol?.version === 2;
}

describe('networking matrix: exposure × web × egress', () => {
  for (const c of matrix()) {
    it(c.name, async (t) => {
      const r = render(c.config);
      await assertValid(t, r.objects, { traefik: c.traefikVersion });

      const x = EXPOSURES[c.exposure]!;
      const env = r.env();
      const mailPorts = sorted(x.ports ?? DEFAULT_MAIL_PORTS);
      const proxy = numList(env.PROXY_PROTOCOL);
      const realIpFrom = strList(env.REAL_IP_FROM);
      const flavor = env.TLS_FLAVOR;
      const webNone = c.web === 'none';

      // -- trust: never everyone, PROXY only with trusted senders, no header override of PROXY
      for (const cidr of realIpFrom) assert.notEqual(prefixLength(cidr), 0, `REAL_IP_FROM ${cidr} trusts everyone`);
      if (proxy.length > 0) assert.ok(realIpFrom.length > 0, 'PROXY_PROTOCOL without REAL_IP_FROM');
      if (env.REAL_IP_HEADER !== undefined) {
        assert.ok(!proxy.includes(80) && !proxy.includes(443), `REAL_IP_HEADER with PROXY on 80/443 (${env.PROXY_PROTOCOL})`);
      }
      assert.ok(cidrCovers(env.SUBNET!, '10.42.0.0/16'), `SUBNET ${env.SUBNET} covers the pod CIDR`);

      // -- TLS flavour follows who terminates HTTPS
      assert.equal(flavor, webNone && x.mode !== 'traefik' ? 'cert' : 'mail', 'cert only when front answers HTTPS itself');

      // -- PORTS: explicit, never empty, the mail ports plus front's HTTP listeners
      assert.ok(env.PORTS, 'PORTS is set');
      // ... and 4190 whenever webmail runs: Mailu opens webmail's sieve listener (14190) only with it.
      const sieve = mailPorts.includes(4190) || env.WEBMAIL === 'none' ? [] : [4190];
      assert.deepEqual(sorted(numList(env.PORTS)), sorted([...mailPorts, 80, ...(flavor === 'cert' ? [443] : []), ...sieve]));

      // -- the public paths, read from the objects
      const { hostPorts, external, tcpRoutes } = publicPaths(r);
      const frontWebPorts = webNone && x.mode !== 'traefik' ? [80, ...(flavor === 'cert' ? [443] : [])] : [];
      const publicPorts = sorted([...mailPorts, ...frontWebPorts]);
      for (const h of hostPorts) assert.equal(h.component, 'front', `only front binds host ports (found ${h.component}:${h.port})`);
      for (const s of external) {
        assert.equal(s.spec?.selector?.['app.kubernetes.io/component'], 'front', `${s.metadata?.name} selects front only`);
        assert.equal(s.spec?.externalTrafficPolicy, 'Local', `${s.metadata?.name} keeps client addresses`);
      }

      if (x.mode === 'hostPort') {
        assert.deepEqual(sorted(hostPorts.map((h) => h.port)), publicPorts);
        assert.equal(external.length, 0);
        assert.equal(tcpRoutes.length, 0);
        assert.equal(r.workload('front').kind, x.hostPort?.daemonSet ? 'DaemonSet' : 'Deployment');
        assert.deepEqual(proxy, [], 'no PROXY with hostPort');
      } else if (x.mode === 'loadBalancer') {
        assert.equal(hostPorts.length, 0);
        assert.equal(external.length, 1);
        assert.equal(external[0]!.spec?.type, 'LoadBalancer');
        assert.deepEqual(sorted(external[0]!.spec!.ports!.map((p) => p.port)), publicPorts);
        if (x.loadBalancer?.proxyProtocol) {
          assert.deepEqual(sorted(proxy), publicPorts, 'a PROXY-sending LB sends it on every port');
          for (const cidr of LB_PROXY_CIDRS) assert.ok(realIpFrom.includes(cidr));
        } else {
          assert.deepEqual(proxy, []);
        }
        assert.equal(tcpRoutes.length, 0);
      } else {
        assert.equal(hostPorts.length, 0);
        assert.equal(external.length, 0, 'Traefik mode publishes no Service of its own');
        const routed = tcpRoutes.flatMap((rt) => rt.spec.routes.flatMap((ro) => ro.services.map((s) => s.port)));
        assert.deepEqual(sorted(routed), mailPorts);
        assert.equal(routed.length, mailPorts.length, 'one route per port');
        // Every Traefik-routed port expects PROXY, and every route sends it.
        assert.deepEqual(sorted(proxy), mailPorts);
        for (const rt of tcpRoutes) {
          for (const ro of rt.spec.routes) {
            for (const s of ro.services) {
              const sends = s.proxyProtocol?.version === 2 || (s.serversTransport !== undefined && transportSendsProxyV2(r, s.serversTransport));
              assert.ok(sends, `${rt.metadata.name} → ${s.port} sends PROXY v2`);
            }
          }
        }
        for (const cidr of TRAEFIK_PROXY_CIDRS) assert.ok(realIpFrom.includes(cidr));
      }
      // A public port without PROXY must be reached source-preserving (hostPort or LB Local).
      for (const p of publicPorts) {
        if (!proxy.includes(p)) assert.ok(x.mode === 'hostPort' || (x.mode === 'loadBalancer' && external[0]?.spec?.externalTrafficPolicy === 'Local'));
      }

      // -- front's NetworkPolicy admits the outside world on exactly the public ports
      const policies = r.policies();
      const front = r.pod('front');
      const traefikPod = podIn('traefik', { 'app.kubernetes.io/name': 'traefik' });
      const strangerPod = podIn('elsewhere', { app: 'curious' });
      for (const p of EVERY_PORT) {
        if (x.mode === 'traefik') {
          assert.equal(mayConnect(policies, INTERNET, front, p), false, `internet → front:${p} bypassing Traefik`);
          assert.equal(mayConnect(policies, traefikPod, front, p), mailPorts.includes(p) || (c.web === 'traefik' && p === 80), `traefik → front:${p}`);
          if (p !== 80) assert.equal(mayConnect(policies, strangerPod, front, p), false, `another namespace → front:${p} bypassing Traefik`);
        } else {
          assert.equal(mayConnect(policies, INTERNET, front, p), publicPorts.includes(p), `internet → front:${p}`);
        }
      }

      // -- smtp: no public path at all
      assert.ok(!hostPorts.some((h) => h.component === 'smtp'));
      for (const p of [25, 10025, 465, 587]) {
        assert.equal(mayConnect(policies, INTERNET, r.pod('smtp'), p), false, `internet → smtp:${p}`);
        assert.equal(mayConnect(policies, traefikPod, r.pod('smtp'), p), false, `other namespace → smtp:${p}`);
      }
      for (const pol of policies) {
        const sel = pol.spec?.podSelector?.matchLabels ?? {};
        if (Object.keys(sel).length === 0 || sel['app.kubernetes.io/component'] !== 'smtp') continue;
        for (const rule of pol.spec?.ingress ?? []) {
          for (const peer of rule.from ?? []) assert.ok(!peer.ipBlock && !peer.namespaceSelector, `${pol.metadata?.name}: smtp admits only pods of its namespace`);
        }
      }

      // -- web routes go to front:80 (Mailu runs TLS_FLAVOR=mail behind them: no redirect loop)
      const frontSvc = r.service(`${r.instance}-front`);
      if (!webNone) {
        assert.ok(frontSvc.spec?.ports?.some((p) => p.port === 80), 'front Service offers 80 to the web proxy');
        const webNs = c.web === 'ingress' ? 'ingress-nginx' : c.web === 'traefik' ? 'traefik' : 'gateway';
        assert.equal(mayConnect(policies, podIn(webNs), front, 80), true, `${webNs} → front:80`);
      }

      // -- egress identity
      const cegp = r.all('CiliumEgressGatewayPolicy');
      assert.equal(cegp.length, c.egress === 'ciliumGateway' ? 1 : 0);
      const smtp = r.pod('smtp');
      if (c.egress === 'relay') {
        assert.equal(env.RELAYHOST, '[smtp.relay.example.net]:587');
        assert.equal(mayConnect(policies, smtp, INTERNET, 587), true, 'smtp → relay:587');
        assert.equal(mayConnect(policies, smtp, INTERNET, 25), false, 'relay mode: no direct MX delivery');
      } else {
        assert.equal(env.RELAYHOST, undefined);
        assert.equal(mayConnect(policies, smtp, INTERNET, 25), true, 'smtp → internet:25');
      }
      const senderSelector = c.egress === 'nodeIps' ? { 'mail.example.com/sender': 'true' } : undefined;
      assert.deepEqual(r.podSpec('smtp').nodeSelector, senderSelector);
      assert.deepEqual(r.podSpec('fetchmail').nodeSelector, senderSelector);
    });
  }
});

describe('with the DNS operator and external-dns records', () => {
  const cases: [string, Parameters<typeof cfg>[0]][] = [
    ['hostPort, operator, DNSEndpoints', { dns: { externalDns: { enabled: true }, operator: { enabled: true } }, egress: { mode: 'nodeIps' } }],
    ['loadBalancer, static addresses as DNSEndpoints', { exposure: { mode: 'loadBalancer' }, dns: { addresses: ['203.0.113.10'], externalDns: { enabled: true } } }],
    [
      'ciliumGateway egress, operator',
      { egress: { mode: 'ciliumGateway', nodeSelector: { gw: 'true' } }, dns: { operator: { enabled: true }, externalDns: { enabled: true } } },
    ],
  ];
  for (const [name, over] of cases) {
    it(name, async (t) => {
      const r = render(cfg(over));
      await assertValid(t, r.objects);
      assert.ok(r.all('DNSEndpoint').length >= 1, 'external-dns records are emitted');
      const policies = r.policies();
      for (const w of [...r.all('Deployment'), ...r.all('DaemonSet')]) {
        const comp = w.metadata.labels?.['app.kubernetes.io/component'];
        assert.ok(comp, `${w.metadata.name} has a component label`);
        for (const k of ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/part-of', 'app.kubernetes.io/managed-by']) assert.ok(w.metadata.labels?.[k], `${w.metadata.name}: ${k}`);
        const containers = (w.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers;
        for (const c of containers) assert.ok(c.resources?.limits?.memory && c.resources.requests?.cpu, `${w.metadata.name}: resources`);
        const pod = r.pod(comp);
        if (comp !== 'resolver') assert.equal(mayConnect(policies, pod, { ip: '9.9.9.9' }, 53, 'UDP'), false, `${comp} → internet DNS`);
        assert.equal(mayConnect(policies, INTERNET, pod, 8080), false, `internet → ${comp}:8080`);
      }
    });
  }
});
