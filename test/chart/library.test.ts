// The library API, used the way a cdk8s user would: MailuChart in their own App, and a single
// component construct composed into their own Chart.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { App, Chart, Testing } from 'cdk8s';
import {
  Admin,
  ConfigError,
  MailuChart,
  buildModel,
  exampleConfig,
  parseConfig,
  synthesize,
  type ChartContext,
  type MailuConfigInput,
} from '../../src/index.js';
import { resourcesFor } from '../../src/model/resources.js';
import { BASE, cfg, type Manifest } from '../support/chart-helpers.js';
import { validateAll } from '../support/schema.js';

describe('library API', () => {
  it('new App(); new MailuChart(app, id, {config}) synthesizes the same objects as synthesize()', () => {
    const app = new App();
    const chart = new MailuChart(app, 'x', { config: exampleConfig });
    const objs = chart.toJson() as Manifest[];
    assert.deepEqual(validateAll(objs), []);
    assert.deepEqual(objs, synthesize(exampleConfig).objects);
    assert.equal(chart.config.domain, 'example.com');
    assert.ok(chart.model.components.has('admin'));
    assert.deepEqual(app.charts, [chart]);
  });

  it('accepts typed input with defaults omitted, and an already parsed config alike', () => {
    const input: MailuConfigInput = { domain: 'example.org', hostnames: ['mx.example.org'], cluster: { podCidr: '10.42.0.0/16' }, tls: { source: 'none' }, exposure: { mode: 'hostPort', ports: [25] } };
    const a = Testing.synth(new MailuChart(Testing.app(), 'a', { config: input }));
    const b = Testing.synth(new MailuChart(Testing.app(), 'b', { config: parseConfig(input) }));
    assert.deepEqual(a, b);
  });

  it('refuses an invalid config with ConfigError at construction', () => {
    assert.throws(() => new MailuChart(new App(), 'x', { config: { ...BASE, domain: 'nope' } }), ConfigError);
  });

  it('composes with the user\'s own charts and a second instance in one App', () => {
    const app = new App();
    const own = new Chart(app, 'mine');
    const one = new MailuChart(app, 'one', { config: cfg() });
    const two = new MailuChart(app, 'two', { config: cfg({ instance: 'mail2', namespace: 'mail2' }) });
    assert.equal(app.charts.length, 3);
    const all = [...(one.toJson() as Manifest[]), ...(two.toJson() as Manifest[])];
    assert.deepEqual(validateAll(all), [], 'no duplicate objects across the instances');
    assert.equal(own.toJson().length, 0);
    // Exposed per-component constructs, for users who want to tweak them.
    assert.ok(one.components.admin instanceof Admin);
  });

  it('a single component construct (Admin) in the user\'s own Chart', () => {
    const config = parseConfig(cfg({ namespace: 'apps' }));
    const model = buildModel(config);
    const ctx: ChartContext = {
      instance: config.instance,
      namespace: config.namespace,
      imagePullPolicy: 'IfNotPresent',
      envConfigMap: 'my-mailu-env',
      resolverIp: model.resolverIp,
      clusterDomain: config.cluster.clusterDomain,
      storage: { mode: 'perComponent', sizes: { admin: '3Gi' } },
      resources: (c) => resourcesFor(config, c),
      podAnnotations: {},
    };
    const app = Testing.app();
    const chart = new Chart(app, 'custom');
    const admin = new Admin(chart, 'admin', { ctx, component: model.components.get('admin')!, env: model.env.perComponent.admin ?? [] });
    const objs = Testing.synth(chart) as Manifest[];
    assert.deepEqual(validateAll(objs), []);
    assert.deepEqual(objs.map((o) => o.kind).sort(), ['Deployment', 'PersistentVolumeClaim', 'Service']);
    const dep = objs.find((o) => o.kind === 'Deployment') as Manifest & { spec: { template: { spec: { containers: { image: string; envFrom: { configMapRef: { name: string } }[] }[] } } } };
    assert.equal(dep.metadata.namespace, 'apps');
    assert.match(dep.spec.template.spec.containers[0]!.image, /\/admin:/);
    assert.equal(dep.spec.template.spec.containers[0]!.envFrom[0]!.configMapRef.name, 'my-mailu-env', 'the user\'s context is honoured');
    const pvc = objs.find((o) => o.kind === 'PersistentVolumeClaim') as Manifest & { spec: { resources: { requests: { storage: string } } } };
    assert.equal(pvc.spec.resources.requests.storage, '3Gi');
    assert.ok(admin.workload.podSpec.containers.length === 1);
  });
});
