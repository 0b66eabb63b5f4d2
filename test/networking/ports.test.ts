// One set of public ports feeds everything: PORTS, hostPorts / the LoadBalancer Service / one
// IngressRouteTCP per port, PROXY_PROTOCOL, the Traefik values and front's NetworkPolicy. For
// several port sets and every exposure mode, all of them must name the same ports.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { Service } from 'kubernetes-types/core/v1.js';
import { INTERNET, cfg, mayConnect, numList, podIn, render, sorted, type Manifest } from '../support/chart-helpers.js';

const PORT_SETS: number[][] = [
  [25],
  [25, 465, 587, 993],
  [25, 110, 143, 995],
  [25, 4190],
  [993, 4190],
  [25, 465, 587, 993, 143, 995, 110, 4190],
];
const EVERY_PORT = [25, 465, 587, 993, 143, 995, 110, 4190, 80, 443];

const MODES = {
  hostPort: (ports: number[]) => ({ mode: 'hostPort' as const, ports }),
  loadBalancer: (ports: number[]) => ({ mode: 'loadBalancer' as const, ports }),
  'loadBalancer PROXY': (ports: number[]) => ({ mode: 'loadBalancer' as const, ports, loadBalancer: { proxyProtocol: { trustedCidrs: ['10.0.5.0/24'] } } }),
  'traefik v2': (ports: number[]) => ({ mode: 'traefik' as const, ports, traefik: { version: 2 as const, minorVersion: '11', trustedProxyCidrs: ['10.42.3.0/24'] } }),
  'traefik v3': (ports: number[]) => ({ mode: 'traefik' as const, ports, traefik: { version: 3 as const, trustedProxyCidrs: ['10.42.3.0/24'] } }),
};

interface TcpRoute extends Manifest {
  spec: { entryPoints: string[]; routes: { services: { port: number }[] }[] };
}

describe('public ports agree everywhere', () => {
  for (const ports of PORT_SETS) {
    for (const [mode, exposure] of Object.entries(MODES)) {
      for (const webKind of ['none', 'traefik'] as const) {
        // A PROXY load balancer cannot carry 25 (refused: see the invariants tests).
        if (mode === 'loadBalancer PROXY' && ports.includes(25)) continue;
        it(`${mode}, ports ${ports.join(',')}, web ${webKind}`, () => {
          const web = webKind === 'none' ? { kind: 'none' as const } : { kind: 'traefik' as const };
          const r = render(cfg({ exposure: exposure(ports), web }));
          const env = r.env();
          const flavor = env.TLS_FLAVOR;
          const frontServesWeb = webKind === 'none' && !mode.startsWith('traefik');
          const publicPorts = sorted([...ports, ...(frontServesWeb ? [80, ...(flavor === 'cert' ? [443] : [])] : [])]);

          // PORTS: the mail ports plus front's HTTP listeners; never empty.
          // (plus 4190 for webmail's sieve, which is on by default, when not public already)
          const sieve = ports.includes(4190) ? [] : [4190];
          assert.deepEqual(sorted(numList(env.PORTS)), sorted([...ports, 80, ...(flavor === 'cert' ? [443] : []), ...sieve]));

          // front listens on every public port.
          const containerPorts = (r.container('front').ports ?? []).map((p) => p.containerPort);
          for (const p of publicPorts) assert.ok(containerPorts.includes(p), `front container port ${p}`);

          // The exposure mechanism carries exactly the public ports.
          const hostPorts = (r.container('front').ports ?? []).filter((p) => p.hostPort !== undefined).map((p) => p.hostPort!);
          const lb = r.all('Service').find((s) => (s as unknown as Service).spec?.type === 'LoadBalancer') as unknown as Service | undefined;
          const routes = r.all('IngressRouteTCP') as TcpRoute[];
          if (mode === 'hostPort') {
            assert.deepEqual(sorted(hostPorts), publicPorts);
            assert.equal(lb, undefined);
            assert.equal(routes.length, 0);
          } else if (mode.startsWith('loadBalancer')) {
            assert.deepEqual(hostPorts, []);
            assert.deepEqual(sorted(lb!.spec!.ports!.map((p) => p.port)), publicPorts);
            assert.ok(lb!.spec!.ports!.every((p) => p.targetPort === p.port && p.protocol === 'TCP'));
          } else {
            assert.deepEqual(hostPorts, []);
            assert.equal(lb, undefined);
            assert.equal(routes.length, ports.length, 'one IngressRouteTCP per port');
            const routed = routes.map((rt) => rt.spec.routes.flatMap((ro) => ro.services.map((s) => s.port)));
            assert.ok(routed.every((list) => list.length === 1), 'each route carries one port');
            assert.deepEqual(sorted(routed.flat()), sorted(ports));
            // The values file opens one entry point per routed port, under the same names.
            const values = parse(r.result.files['traefik-values.yaml']!) as { ports: Record<string, { exposedPort: number }> };
            const eps = routes.map((rt) => rt.spec.entryPoints);
            assert.ok(eps.every((e) => e.length === 1));
            assert.deepEqual(eps.map((e) => e[0]).sort(), Object.keys(values.ports).sort());
            for (const rt of routes) {
              assert.equal(values.ports[rt.spec.entryPoints[0]!]!.exposedPort, rt.spec.routes[0]!.services[0]!.port, `${rt.metadata.name}: entry point and port agree`);
            }
          }

          // PROXY_PROTOCOL: every public port when a proxy sends it, none otherwise.
          const proxied = mode === 'loadBalancer PROXY' || mode.startsWith('traefik');
          assert.deepEqual(sorted(numList(env.PROXY_PROTOCOL)), proxied ? publicPorts : []);

          // front's NetworkPolicy: the outside (the internet, or Traefik's namespace) reaches exactly these.
          const policies = r.policies();
          const outside = mode.startsWith('traefik') ? podIn('traefik') : INTERNET;
          for (const p of EVERY_PORT) {
            const viaWebRoute = webKind === 'traefik' && p === 80 && outside !== INTERNET;
            assert.equal(mayConnect(policies, outside, r.pod('front'), p), publicPorts.includes(p) || viaWebRoute, `outside → front:${p}`);
          }
        });
      }
    }
  }
});
