// Traefik exposure: plain TCP routes (HostSNI(`*`), no tls block) that send PROXY v2 the way the
// target Traefik version understands, and the Helm values written next to the manifests.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { parseConfig } from '../../src/validation/index.js';
import { ConfigError } from '../../src/config/errors.js';
import { assertValid, cfg, render, type Manifest, type Rendered } from '../support/chart-helpers.js';
import { validateAll } from '../support/schema.js';

interface RouteService {
  name: string;
  port: number;
  proxyProtocol?: { version?: number };
  serversTransport?: string;
}
interface TcpRoute extends Manifest {
  spec: { entryPoints: string[]; routes: { match: string; services: RouteService[] }[]; tls?: unknown };
}
interface TraefikValues {
  ports: Record<string, { port: number; exposedPort: number; protocol: string; expose: unknown; proxyProtocol?: { trustedIPs: string[] } }>;
  service: { spec: { externalTrafficPolicy: string } };
}

function traefik(over: Record<string, unknown> = {}, ports = [25, 465, 587, 993]) {
  return cfg({
    exposure: { mode: 'traefik', ports, traefik: { trustedProxyCidrs: ['10.42.3.0/24'], ...over } },
    web: { kind: 'traefik' },
  });
}
const routes = (r: Rendered) => r.all('IngressRouteTCP') as TcpRoute[];
const values = (r: Rendered) => parse(r.result.files['traefik-values.yaml']!) as TraefikValues;

describe('Traefik mail routes', () => {
  it('are plain TCP: HostSNI(`*`) and no tls block, so front terminates TLS (465/993 too)', () => {
    const r = render(traefik({}, [25, 465, 587, 993, 995, 143, 110, 4190]));
    assert.equal(routes(r).length, 8);
    for (const rt of routes(r)) {
      assert.equal(rt.spec.tls, undefined, `${rt.metadata.name} has no tls block`);
      for (const ro of rt.spec.routes) assert.equal(ro.match, 'HostSNI(`*`)');
      assert.ok(rt.spec.routes.every((ro) => ro.services.every((s) => s.name === `${r.instance}-front-public`)));
    }
    // The routes point at a ClusterIP Service carrying exactly the mail ports.
    const svc = r.get('Service', `${r.instance}-front-public`) as Manifest & { spec: { type: string; ports: { port: number }[] } };
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.deepEqual(svc.spec.ports.map((p) => p.port).sort((a, b) => a - b), [25, 110, 143, 465, 587, 993, 995, 4190]);
  });

  const perService: [string, 2 | 3, string][] = [
    ['v2.11', 2, '11'],
    ['v3.0', 3, '0'],
    ['v3.5 (3.5.0)', 3, '5'],
    ['v3.5.1', 3, '5.1'],
  ];
  for (const [label, version, minorVersion] of perService) {
    it(`${label}: PROXY v2 per service, no ServersTransportTCP`, async (t) => {
      const r = render(traefik({ version, minorVersion }));
      assert.equal(r.all('ServersTransportTCP').length, 0);
      for (const rt of routes(r)) {
        for (const s of rt.spec.routes.flatMap((ro) => ro.services)) {
          assert.deepEqual(s.proxyProtocol, { version: 2 }, rt.metadata.name);
          assert.equal(s.serversTransport, undefined);
        }
      }
      await assertValid(t, r.objects, { traefik: version });
    });
  }

  const viaTransport: [string, string][] = [
    ['v3.5.2', '5.2'],
    ['v3.5.10', '5.10'],
    ['v3.6', '6'],
    ['v3.7 (default)', '7'],
    ['v3.10', '10'],
  ];
  for (const [label, minorVersion] of viaTransport) {
    it(`${label}: one ServersTransportTCP with proxyProtocol version 2, referenced by every service`, async (t) => {
      const r = render(traefik({ version: 3, minorVersion }));
      const transports = r.all('ServersTransportTCP') as (Manifest & { spec: { proxyProtocol?: { version?: number } } })[];
      assert.equal(transports.length, 1);
      const st = transports[0]!;
      assert.deepEqual(st.spec.proxyProtocol, { version: 2 }, 'version explicit: the CRD provider does not default it');
      assert.equal(st.metadata.namespace, r.namespace, 'same namespace as the routes (no cross-namespace reference)');
      for (const rt of routes(r)) {
        for (const s of rt.spec.routes.flatMap((ro) => ro.services)) {
          assert.equal(s.serversTransport, st.metadata.name, rt.metadata.name);
          assert.equal(s.proxyProtocol, undefined, 'no deprecated per-service field');
        }
      }
      await assertValid(t, r.objects, { traefik: 3 });
    });
  }

  it('the v3.5.2 objects do not fit Traefik 2 (the version switch matters)', () => {
    const r = render(traefik({ version: 3, minorVersion: '5.2' }));
    const errs = validateAll(r.all('ServersTransportTCP').concat(routes(r)), { traefik: 2 });
    assert.ok(errs.length > 0, 'ServersTransportTCP/serversTransport are v3 only');
  });

  it('honours custom entry point names in routes and values alike', () => {
    const r = render(traefik({ entryPoints: { '25': 'mx', '993': 'imap-tls' } }));
    const byPort = new Map(routes(r).map((rt) => [rt.spec.routes[0]!.services[0]!.port, rt.spec.entryPoints]));
    assert.deepEqual(byPort.get(25), ['mx']);
    assert.deepEqual(byPort.get(993), ['imap-tls']);
    assert.deepEqual(byPort.get(465), ['submissions']);
    const v = values(r);
    assert.equal(v.ports.mx?.exposedPort, 25);
    assert.equal(v.ports['imap-tls']?.exposedPort, 993);
    assert.equal(v.ports.smtp, undefined);
  });

  it('refuses an entry point for a port that is not exposed', () => {
    assert.throws(
      () => parseConfig(traefik({ entryPoints: { '995': 'pop3s' } })),
      (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === 'exposure.traefik.entryPoints.995' && /not in exposure\.ports/.test(i.message)),
    );
  });

  it('refuses Traefik 2 minor versions past 2.11', () => {
    assert.throws(
      () => parseConfig(traefik({ version: 2, minorVersion: '12' })),
      (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === 'exposure.traefik.minorVersion'),
    );
  });
});

describe('traefik-values.yaml', () => {
  for (const split of [false, true]) {
    it(`is written next to the manifests (${split ? '--split' : 'single file'}) and is not a Kubernetes object`, () => {
      const r = render(traefik(), { split });
      assert.ok(r.result.files['traefik-values.yaml']);
      if (split) {
        const k = parse(r.result.files['kustomization.yaml']!) as { resources: string[] };
        assert.ok(!k.resources.includes('traefik-values.yaml'));
      }
    });
  }

  it('is absent outside Traefik mode', () => {
    for (const exposure of [{ mode: 'hostPort' as const }, { mode: 'loadBalancer' as const }]) {
      assert.equal(render(cfg({ exposure })).result.files['traefik-values.yaml'], undefined);
    }
  });

  it('opens one entry point per mail port with distinct unprivileged container ports, Local traffic policy', () => {
    const ports = [25, 465, 587, 993, 143, 995, 110, 4190];
    const v = values(render(traefik({}, ports)));
    const eps = Object.values(v.ports);
    assert.deepEqual(eps.map((e) => e.exposedPort).sort((a, b) => a - b), [...ports].sort((a, b) => a - b));
    const inner = eps.map((e) => e.port);
    assert.equal(new Set(inner).size, inner.length, 'container ports are distinct');
    assert.ok(inner.every((p) => p >= 1024 && p <= 65535), 'Traefik runs unprivileged');
    assert.ok(!inner.some((p) => [8000, 8080, 8443, 9000, 9100].includes(p)), 'no clash with the chart\'s own entry points');
    assert.ok(eps.every((e) => e.protocol === 'TCP' && e.expose));
    assert.equal(v.service.spec.externalTrafficPolicy, 'Local');
  });

  it('sets proxyProtocol.trustedIPs only when loadBalancerProxyCidrs is set', () => {
    const without = values(render(traefik()));
    assert.ok(Object.values(without.ports).every((e) => e.proxyProtocol === undefined));
    const withLb = values(render(traefik({ loadBalancerProxyCidrs: ['192.0.2.0/28', '198.51.100.0/29'] })));
    for (const e of Object.values(withLb.ports)) assert.deepEqual(e.proxyProtocol, { trustedIPs: ['192.0.2.0/28', '198.51.100.0/29'] });
  });
});
