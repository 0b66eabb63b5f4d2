import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildChartContext } from '../../src/chart/context.js';
import { traefikUsesServersTransport } from '../../src/chart/networking/exposure.js';
import { synthesize } from '../../src/chart/synth.js';
import { ConfigError } from '../../src/config/errors.js';
import { exampleConfig } from '../../src/config/example.js';
import { parseConfig, parseConfigWithWarnings } from '../../src/validation/index.js';
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
  test('LoadBalancer with PROXY on 25 is refused (Mailu\'s own mail to HOSTNAMES[0]:25 would arrive without PROXY); without 25 it is fine', () => {
    const lb = (ports?: number[]) => cfg({ exposure: { mode: 'loadBalancer', ...(ports ? { ports } : {}), loadBalancer: { proxyProtocol: { trustedCidrs: ['10.0.0.0/24'] } } } });
    assert.throws(() => parseConfig(lb()), (e: unknown) => e instanceof ConfigError && e.issues.some((i) => i.path === 'exposure.loadBalancer.proxyProtocol' && /port 25.*HOSTNAMES\[0\]:25/s.test(i.message)));
    const m = buildModel(parseConfig(lb([465, 587, 993])));
    assert.ok(!m.env.shared.PROXY_PROTOCOL!.split(',').includes('25'));
    assert.ok(m.flows.some((f) => f.from.kind === 'component' && f.from.component === 'imap' && f.to.kind === 'component' && f.to.component === 'front' && f.ports.some((p) => p.port === 25)), 'imap submits to front:25 directly');
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

describe('review fixes', () => {
  type O = { kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: any };
  const objs = (c: MailuConfigInput) => synthesize(c).objects as O[];

  test('front\'s public ports admit the world but not the cluster\'s pod and service ranges', () => {
    const pol = objs(exampleConfig).find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'mailu-front')!;
    const world = pol.spec.ingress.filter((r: any) => r.from.some((p: any) => p.ipBlock?.cidr === '0.0.0.0/0'));
    assert.ok(world.length > 0);
    for (const r of world) {
      assert.deepEqual(r.from[0].ipBlock.except, ['10.42.0.0/16', '10.43.0.0/16']);
      assert.ok(r.ports.some((p: any) => p.port === 25));
    }
  });

  test('a PROXY-sending load balancer is admitted by its own CIDRs', () => {
    const pol = objs(cfg({ exposure: { mode: 'loadBalancer', ports: [465, 587, 993], loadBalancer: { proxyProtocol: { trustedCidrs: ['10.42.250.0/24'] } } } })).find(
      (o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'mailu-front',
    )!;
    assert.ok(pol.spec.ingress.some((r: any) => r.from.some((p: any) => p.ipBlock?.cidr === '10.42.250.0/24')));
  });

  test('shared RWX storage still never runs two writers: Recreate for every component with data', () => {
    for (const d of objs(cfg({ storage: { mode: 'shared' } })).filter((o) => o.kind === 'Deployment')) {
      const hasData = (d.spec.template.spec.volumes ?? []).some((v: any) => v.persistentVolumeClaim);
      if (hasData) assert.equal(d.spec.strategy.type, 'Recreate', d.metadata.name);
    }
  });

  test('instances get different default resolver addresses; the namespace carries no instance label', () => {
    const ip = (instance: string) => buildModel(parseConfig(cfg({ instance }))).resolverIp;
    assert.equal(ip('mailu'), '10.43.0.53');
    assert.notEqual(ip('second'), ip('mailu'));
    assert.notEqual(ip('second'), ip('third'));
    const ns = objs(cfg({ instance: 'second', manageNamespace: true })).find((o) => o.kind === 'Namespace')!;
    assert.equal(ns.metadata.labels!['app.kubernetes.io/instance'], undefined);
  });

  test('an external database or Redis may also be a pod in the cluster (CIDR rules do not cover pods everywhere)', () => {
    const pol = objs(cfg({ database: { type: 'postgresql', host: 'pg.db.svc.cluster.local', secret: { name: 'db' } } })).find(
      (o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'mailu-admin',
    )!;
    const rules = pol.spec.egress.filter((r: any) => r.ports.some((p: any) => p.port === 5432));
    assert.ok(rules.some((r: any) => r.to.some((p: any) => p.namespaceSelector && Object.keys(p.namespaceSelector).length === 0)));
  });

  test('Traefik mode warns that its mail entry points must not admit cluster pods', () => {
    const { warnings } = parseConfigWithWarnings(cfg({ exposure: { mode: 'traefik', traefik: { trustedProxyCidrs: ['10.42.0.0/24'] } } }));
    assert.ok(warnings.some((w) => /may relay/.test(w) && /entryPointPolicy\.enabled: true/.test(w)), warnings.join('\n'));
  });
});
