import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildChartContext } from '../../src/chart/context.js';
import { traefikUsesServersTransport } from '../../src/chart/networking/exposure.js';
import { synthesize } from '../../src/chart/synth.js';
import { ConfigError } from '../../src/config/errors.js';
import { exampleConfig } from '../../src/config/example.js';
import { parseConfig, parseConfigWithWarnings } from '../../src/config/load.js';
import type { MailuConfigInput } from '../../src/config/schema.js';
import { buildModel } from '../../src/model/index.js';
import { isWorld } from '../../src/model/net.js';

const cfg = (over: Partial<MailuConfigInput>): MailuConfigInput => ({ ...exampleConfig, ...over });
function issues(c: MailuConfigInput): { path: string; message: string }[] {
  try {
    parseConfig(c);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
}

describe('cluster addresses', () => {
  test('default resolver/cluster-DNS addresses must fit a small serviceCidr', () => {
    const found = issues(cfg({ cluster: { podCidr: '10.42.0.0/16', serviceCidr: '10.43.0.0/28' } }));
    assert.ok(found.some((i) => i.path === 'cluster.resolverServiceIp' && /not inside cluster\.serviceCidr .*default/.test(i.message)), JSON.stringify(found));
  });
  test('the resolver may not take the cluster DNS address, explicit or default', () => {
    const found = issues(cfg({ cluster: { podCidr: '10.42.0.0/16', resolverServiceIp: '10.43.0.10' } }));
    assert.ok(found.some((i) => i.path === 'cluster.resolverServiceIp' && /must differ/.test(i.message)));
  });
  test('pod and service CIDRs must not overlap', () => {
    const found = issues(cfg({ cluster: { podCidr: '10.42.0.0/16', serviceCidr: '10.0.0.0/8' } }));
    assert.ok(found.some((i) => i.path === 'cluster.serviceCidr'));
  });
});

describe('trust ranges', () => {
  test('every IPv4 address written as IPv6 counts as "everyone"', () => {
    assert.equal(isWorld('::ffff:0:0/96'), true);
    assert.equal(isWorld('::/0'), true);
    assert.equal(isWorld('2001:db8::/32'), false);
    const found = issues(cfg({ web: { kind: 'ingress', className: 'nginx', realIpFrom: ['::ffff:0:0/96'] } }));
    assert.ok(found.some((i) => i.path === 'web.realIpFrom[0]' && /every address/.test(i.message)));
  });
});

describe('Traefik versions', () => {
  const traefik = (version: 2 | 3, minorVersion?: string): MailuConfigInput =>
    cfg({ exposure: { mode: 'traefik', traefik: { version, ...(minorVersion ? { minorVersion } : {}), trustedProxyCidrs: ['10.42.0.0/24'] } } });
  test('the default minor follows the major version (2 → 2.11, 3 → 3.7)', () => {
    for (const [v, transport] of [[2, false], [3, true]] as const) {
      const c = parseConfig(traefik(v));
      assert.equal(c.exposure.mode, 'traefik');
      if (c.exposure.mode === 'traefik') assert.equal(traefikUsesServersTransport(c.exposure.traefik), transport);
    }
  });
  test('Traefik 2 before 2.10 has no traefik.io resources: refused', () => {
    assert.ok(issues(traefik(2, '9')).some((i) => i.path === 'exposure.traefik.minorVersion' && /2\.10/.test(i.message)));
    assert.deepEqual(issues(traefik(2, '10')), []);
  });
});

describe('mail to the public MX when port 25 speaks PROXY', () => {
  test('Traefik: imap and fetchmail may reach Traefik\'s pods on its port for 25, not front:25', () => {
    const m = buildModel(parseConfig(cfg({ components: { fetchmail: true }, exposure: { mode: 'traefik', traefik: { trustedProxyCidrs: ['10.42.0.0/24'] } } })));
    for (const c of ['imap', 'fetchmail']) {
      const toTraefik = m.flows.filter((f) => f.from.kind === 'component' && f.from.component === c && f.to.kind === 'namespace' && f.to.namespace === 'traefik');
      assert.deepEqual(toTraefik.flatMap((f) => f.ports.map((p) => p.port)), [8025], c);
      assert.ok(!m.flows.some((f) => f.from.kind === 'component' && f.from.component === c && f.to.kind === 'component' && f.to.component === 'front' && f.ports.some((p) => p.port === 25)));
    }
  });
  test('LoadBalancer with PROXY: a warning about the in-cluster short-circuit, and front:25 allowed', () => {
    const { warnings, config } = parseConfigWithWarnings(cfg({ exposure: { mode: 'loadBalancer', loadBalancer: { proxyProtocol: { trustedCidrs: ['10.0.0.0/24'] } } } }));
    assert.ok(warnings.some((w) => /ipMode: Proxy/.test(w)));
    const m = buildModel(config);
    assert.ok(m.flows.some((f) => f.from.kind === 'component' && f.from.component === 'imap' && f.to.kind === 'component' && f.to.component === 'front' && f.ports.some((p) => p.port === 25)));
  });
});

describe('ingress defaults', () => {
  test('ingress-nginx gets a body limit above the message size; a user value wins', () => {
    const ing = (annotations?: Record<string, string>) =>
      synthesize(cfg({ web: { kind: 'ingress', className: 'nginx', ...(annotations ? { annotations } : {}) } })).objects.find((o) => o.kind === 'Ingress') as { metadata: { annotations: Record<string, string> } };
    assert.equal(ing().metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size'], '58m');
    assert.equal(ing({ 'nginx.ingress.kubernetes.io/proxy-body-size': '0' }).metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size'], '0');
  });
});

describe('library context', () => {
  test('buildChartContext gives what MailuChart gives its components', () => {
    const m = buildModel(parseConfig(exampleConfig));
    const ctx = buildChartContext(m);
    assert.equal(ctx.envConfigMap, 'mailu-env');
    assert.equal(ctx.resolverIp, '10.43.0.53');
    assert.equal(ctx.storage.sizes.imap, '50Gi');
    assert.equal(ctx.resources('front').limits.memory, '512Mi');
    const front = synthesize(exampleConfig).objects.find((o) => o.kind === 'Deployment' && (o.metadata as { name: string }).name === 'mailu-front') as {
      spec: { template: { metadata: { annotations: Record<string, string> } } };
    };
    assert.deepEqual(front.spec.template.metadata.annotations, ctx.podAnnotations);
  });
});
