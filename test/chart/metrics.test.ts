// metrics: opt-in ServiceMonitor/PodMonitor objects, valid against prometheus-operator's own CRDs
// (vendored), pointing at ports the targets really serve; the NetworkPolicies admit the monitoring
// namespace (only Prometheus's pods, with podLabels) to exactly those ports and nothing else.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Service } from 'kubernetes-types/core/v1.js';
import { assertValid, cfg, ingressAllows, type Manifest, podIn, render, type Rendered } from '../support/chart-helpers.js';
import { messageAt } from '../support/config-issues.js';
import { validateManifest } from '../support/schema.js';
import { parseConfigWithWarnings } from '../../src/validation/index.js';

const PROM = { 'app.kubernetes.io/name': 'prometheus' };
const withOperator = { addresses: [], operator: { enabled: true } };
const metrics = (kind: 'serviceMonitor' | 'podMonitor', extra: Record<string, unknown> = {}) =>
  cfg({ dns: withOperator, metrics: { enabled: true, kind, podLabels: PROM, labels: { release: 'kps' }, interval: '30s', ...extra } });

type Monitor = Manifest & { spec: { selector: { matchLabels: Record<string, string> }; namespaceSelector: { matchNames: string[] }; endpoints?: Endpoint[]; podMetricsEndpoints?: Endpoint[] } };
type Endpoint = { port: string; path: string; interval?: string };

/** Does a label selector match these labels? */
const matches = (sel: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(sel).every(([k, v]) => labels[k] === v);

describe('ServiceMonitor', () => {
  const r = render(metrics('serviceMonitor'));
  const monitors = r.all('ServiceMonitor') as Monitor[];

  it('one per target (rspamd, the DNS operator), strictly valid against the upstream CRD', async (t) => {
    assert.deepEqual(monitors.map((m) => m.metadata.name).sort(), ['mailu-antispam', 'mailu-dns-operator']);
    await assertValid(t, r.objects);
  });

  it('each selects exactly one Service of ours, whose named port is the target\'s metrics port', () => {
    const services = r.all('Service') as unknown as Service[];
    const expected: Record<string, number> = { 'mailu-antispam': 11334, 'mailu-dns-operator': 8080 };
    for (const m of monitors) {
      assert.equal(m.metadata.labels?.release, 'kps', 'metrics.labels reach the monitor');
      assert.deepEqual(m.spec.namespaceSelector.matchNames, [r.namespace]);
      const selected = services.filter((s) => matches(m.spec.selector.matchLabels, s.metadata!.labels));
      assert.equal(selected.length, 1, `${m.metadata.name} selects ${selected.map((s) => s.metadata!.name).join(', ')}`);
      const ep = m.spec.endpoints![0]!;
      assert.deepEqual({ path: ep.path, interval: ep.interval }, { path: '/metrics', interval: '30s' });
      const port = selected[0]!.spec!.ports!.find((p) => p.name === ep.port);
      assert.equal(port?.port, expected[m.metadata.name], m.metadata.name);
    }
  });

  it('the operator\'s metrics Service selects the operator\'s pods (and only them)', () => {
    const svc = r.get('Service', 'mailu-dns-operator') as unknown as Service;
    const deploy = r.get('Deployment', 'mailu-dns-operator') as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } };
    assert.ok(matches(svc.spec!.selector!, deploy.spec.template.metadata.labels));
    assert.ok(!matches(svc.spec!.selector!, r.podLabels('antispam')));
  });
});

describe('PodMonitor', () => {
  const r = render(metrics('podMonitor'));
  const monitors = r.all('PodMonitor') as Monitor[];

  it('one per target, strictly valid, no ServiceMonitor and no extra Service', async (t) => {
    assert.deepEqual(monitors.map((m) => m.metadata.name).sort(), ['mailu-antispam', 'mailu-dns-operator']);
    assert.equal(r.all('ServiceMonitor').length, 0);
    assert.equal(r.find('Service', 'mailu-dns-operator'), undefined);
    await assertValid(t, r.objects);
  });

  it('each selects its pods, whose container declares the named port', () => {
    assert.equal(monitors.find((m) => m.metadata.name === 'mailu-antispam')!.spec.podMetricsEndpoints![0]!.port, 'http');
    const antispam = monitors.find((m) => m.metadata.name === 'mailu-antispam')!;
    assert.ok(matches(antispam.spec.selector.matchLabels, r.podLabels('antispam')));
    assert.equal(r.container('antispam').ports!.find((p) => p.name === 'http')?.containerPort, 11334);
  });
});

describe('NetworkPolicies for scraping', () => {
  const prometheus = podIn('monitoring', PROM);
  const other = podIn('monitoring', { app: 'grafana' });
  const elsewhere = podIn('default', PROM);

  it('Prometheus\'s pods reach exactly the metrics ports; other pods of its namespace and other namespaces do not', () => {
    const r = render(metrics('serviceMonitor'));
    const p = r.policies();
    const op = { pod: { namespace: r.namespace, labels: { 'app.kubernetes.io/name': 'mailu', 'app.kubernetes.io/instance': 'mailu', 'app.kubernetes.io/component': 'dns-operator' } } };
    assert.ok(ingressAllows(p, prometheus, r.pod('antispam'), 11334));
    assert.ok(ingressAllows(p, prometheus, op, 8080));
    for (const who of [other, elsewhere]) {
      assert.ok(!ingressAllows(p, who, r.pod('antispam'), 11334));
      assert.ok(!ingressAllows(p, who, op, 8080), 'the operator\'s port is closed to the others once metrics are on');
    }
    assert.ok(!ingressAllows(p, prometheus, r.pod('antispam'), 11332), 'not the milter');
    assert.ok(!ingressAllows(p, prometheus, r.pod('admin'), 8080), 'nothing else');
  });

  it('without metrics nothing from the monitoring namespace reaches rspamd; the operator\'s port stays open (its pods invite scrapers)', () => {
    const r = render(cfg({ dns: withOperator }));
    const p = r.policies();
    assert.ok(!ingressAllows(p, prometheus, r.pod('antispam'), 11334));
    assert.ok(ingressAllows(p, elsewhere, { pod: { namespace: r.namespace, labels: { 'app.kubernetes.io/name': 'mailu', 'app.kubernetes.io/instance': 'mailu', 'app.kubernetes.io/component': 'dns-operator' } } }, 8080));
    assert.equal(r.all('ServiceMonitor').length + r.all('PodMonitor').length, 0);
  });

  it('without podLabels the whole namespace is admitted, and synth warns why that matters', () => {
    const config = cfg({ metrics: { enabled: true } });
    const r = render(config);
    assert.ok(ingressAllows(r.policies(), other, r.pod('antispam'), 11334));
    assert.ok(parseConfigWithWarnings(config).warnings.some((w) => w.startsWith('metrics.podLabels is empty') && /secure_ip/.test(w)));
    assert.ok(!parseConfigWithWarnings(metrics('podMonitor')).warnings.some((w) => w.startsWith('metrics.podLabels')));
  });
});

describe('metrics refusals name the field', () => {
  it('kind, namespace, labels and interval are checked', () => {
    assert.match(messageAt(cfg({ metrics: { enabled: true, kind: 'probe' as never } }), 'metrics.kind'), /serviceMonitor|podMonitor/);
    assert.match(messageAt(cfg({ metrics: { enabled: true, namespace: 'Monitoring' } }), 'metrics.namespace'), /not a valid namespace/);
    assert.match(messageAt(cfg({ metrics: { enabled: true, interval: '30 seconds' } }), 'metrics.interval'), /Prometheus duration/);
    assert.match(messageAt(cfg({ metrics: { enabled: true, labels: { 'bad key!': 'x' } } }), 'metrics.labels.bad key!'), /label key/);
  });

  it('the vendored CRDs do refuse a malformed monitor (the validation can fail)', () => {
    const r: Rendered = render(metrics('serviceMonitor'));
    const m = structuredClone(r.get('ServiceMonitor', 'mailu-antispam')) as Monitor;
    (m.spec.endpoints![0] as Record<string, unknown>).interval = 'thirty';
    (m.spec as Record<string, unknown>).bogus = true;
    const issues = validateManifest(m);
    assert.ok(issues.some((i) => /interval/.test(i)), issues.join('\n'));
    assert.ok(issues.some((i) => /bogus/.test(i)), issues.join('\n'));
  });
});
