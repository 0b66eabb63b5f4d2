// The operator's chart objects: schema-valid, least privilege (and enough: every request a running
// operator makes is allowed by exactly these rules), hardened Deployment with probes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Chart, Testing } from 'cdk8s';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { stringify } from 'yaml';
import { DnsOperator, OPERATOR_NODE_FLAGS, OPERATOR_RUNTIME_ENV, operatorRules, type DnsOperatorProps } from '../../src/chart/operator.js';
import { parseConfigYaml } from '../../src/validation/index.js';
import { objectLabels, selectorLabels } from '../../src/model/labels.js';
import { pod } from '../support/kube-fixtures.js';
import { Cluster, waitFor } from '../support/operator-harness.js';
import { DUAL_STACK_CLUSTER, operatorConfig } from '../support/operator-config.js';
import { validateAll, validateManifest } from '../support/schema.js';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [k: string]: unknown;
}

const CONFIG_INPUT = {
  domain: 'example.com',
  hostnames: ['mail.example.com'],
  cluster: { podCidr: '10.42.0.0/16' },
  tls: { source: 'certManager', issuer: { name: 'letsencrypt' } },
  dns: { operator: { enabled: true } },
};

function props(over: Partial<DnsOperatorProps> = {}): DnsOperatorProps {
  return {
    instance: 'mailu',
    namespace: 'mail',
    labels: objectLabels('mailu', 'dns-operator'),
    selectorLabels: selectorLabels('mailu', 'dns-operator'),
    image: 'ghcr.io/mailu-k8s/operator:0.1.0',
    replicas: 2,
    config: { yaml: stringify(CONFIG_INPUT) },
    metricsPort: 8080,
    resources: { requests: { cpu: '20m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
    ...over,
  };
}

function synth(p: DnsOperatorProps): Obj[] {
  const chart = new Chart(Testing.app(), 'test');
  new DnsOperator(chart, 'dns-operator', p);
  return Testing.synth(chart) as Obj[];
}

/** RBAC evaluation: does any rule allow this verb on this resource (and name)? */
function allowed(rules: PolicyRule[], group: string, resource: string, verb: string, name?: string): boolean {
  return rules.some(
    (r) =>
      (r.apiGroups ?? []).includes(group) &&
      (r.resources ?? []).includes(resource) &&
      r.verbs.includes(verb) &&
      (!r.resourceNames || r.resourceNames.length === 0 || (name !== undefined && r.resourceNames.includes(name))),
  );
}

describe('DnsOperator chart construct', () => {
  const objs = synth(props());
  const byKind = (k: string) => objs.filter((o) => o.kind === k);

  it('emits exactly its config, ServiceAccount, RBAC, Deployment and (two replicas) its disruption budget, all schema-valid', () => {
    assert.deepEqual(objs.map((o) => o.kind).sort(), ['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'ServiceAccount']);
    assert.deepEqual(validateAll(objs), []);
    for (const o of objs) {
      if (o.kind.startsWith('Cluster')) assert.equal(o.metadata.namespace, undefined);
      else assert.equal(o.metadata.namespace, 'mail');
    }
    // The config file in the ConfigMap is what the operator parses.
    const cm = byKind('ConfigMap')[0]! as Obj & { data: Record<string, string> };
    assert.equal(parseConfigYaml(cm.data['config.yaml']!).config.dns.operator.enabled, true);
  });

  it('grants least privilege: named resources and verbs, no wildcards, nodes only cluster-wide', () => {
    assert.ok(!JSON.stringify(objs).includes('"*"'), 'no wildcard anywhere');
    const role = byKind('Role')[0]! as Obj & { rules: PolicyRule[] };
    assert.deepEqual(role.rules, [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['externaldns.k8s.io'], resources: ['dnsendpoints'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['mailu-dns-operator'], verbs: ['get', 'update'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
    ]);
    const cr = byKind('ClusterRole')[0]! as Obj & { rules: PolicyRule[] };
    assert.deepEqual(cr.rules, [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }]);
    assert.equal(cr.metadata.name, 'mail-mailu-dns-operator-nodes');
    for (const b of [...byKind('RoleBinding'), ...byKind('ClusterRoleBinding')] as Array<Obj & { subjects: unknown[]; roleRef: { name: string } }>) {
      assert.deepEqual(b.subjects, [{ kind: 'ServiceAccount', name: 'mailu-dns-operator', namespace: 'mail' }]);
    }
  });

  it('runs 2 non-root, read-only replicas with probes on /healthz and /readyz', () => {
    const d = byKind('Deployment')[0]! as unknown as Deployment;
    assert.equal(d.spec!.replicas, 2);
    const pod = d.spec!.template.spec!;
    assert.equal(pod.serviceAccountName, 'mailu-dns-operator');
    assert.equal(pod.securityContext!.runAsNonRoot, true);
    assert.deepEqual(pod.securityContext!.seccompProfile, { type: 'RuntimeDefault' });
    const c = pod.containers[0]!;
    assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    assert.equal(c.livenessProbe!.httpGet!.path, '/healthz');
    assert.equal(c.readinessProbe!.httpGet!.path, '/readyz');
    assert.deepEqual(c.ports, [{ name: 'metrics', containerPort: 8080, protocol: 'TCP' }]);
    assert.deepEqual(c.args, ['operator', '--config', '/etc/mailu-k8s/config.yaml', '--metrics-port', '8080', '--log-level', 'info']);
    // The runtime tuning the benchmark measured is exactly what the pod gets.
    assert.deepEqual(c.env!.map((e) => e.name), ['POD_NAME', 'POD_NAMESPACE', ...Object.keys(OPERATOR_RUNTIME_ENV)]);
    for (const [k, v] of Object.entries(OPERATOR_RUNTIME_ENV)) assert.equal(c.env!.find((e) => e.name === k)!.value, v);
    assert.deepEqual(c.command, ['/nodejs/bin/node', ...OPERATOR_NODE_FLAGS, '/app/bin/mailu-k8s.js']);
    assert.deepEqual(c.resources, props().resources);
    assert.deepEqual(d.spec!.selector.matchLabels, selectorLabels('mailu', 'dns-operator'));
    assert.equal(pod.volumes![0]!.configMap!.name, 'mailu-dns-operator-config');
  });

  it('can mount an existing ConfigMap instead of creating one', () => {
    const other = synth(props({ config: { configMapName: 'my-mailu-config' } }));
    assert.equal(other.filter((o) => o.kind === 'ConfigMap').length, 0);
    const d = other.find((o) => o.kind === 'Deployment') as unknown as Deployment;
    assert.equal(d.spec!.template.spec!.volumes![0]!.configMap!.name, 'my-mailu-config');
  });

  it('covers every request a running operator makes (and nothing it does not need)', async () => {
    const rules = operatorRules('mailu-dns-operator');
    const c = await new Cluster().start();
    try {
      c.addNodes(['n1', { externalIPs: ['203.0.113.1'] }], ['n2', { externalIPs: ['203.0.113.2'] }]);
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      const a = await c.startOperator({ identity: 'a' });
      await c.waitLeader(a);
      const b = await c.startOperator({ identity: 'b' });
      await waitFor('record', () => c.targets().length === 1);
      c.api.remove('pods', 'mailu', 'front-a');
      c.api.create('pods', pod('front-b', { nodeName: 'n2' }));
      await waitFor('moved', () => c.targets().join() === '203.0.113.2');
      await a.stop();
      await c.waitLeader(b);
      await c.settle(b);
      const verbOf = (r: { method: string; name?: string; watch: boolean }) =>
        r.watch ? 'watch' : r.method === 'GET' ? (r.name ? 'get' : 'list') : ({ POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[r.method]!;
      const used = new Set<string>();
      for (const r of c.api.requests.filter((x) => x.resource)) {
        const res = c.api.resource(r.resource!);
        const verb = verbOf(r);
        const scope = res.namespaced ? rules.namespaced : rules.cluster;
        assert.ok(res.namespaced ? r.namespace === 'mailu' : true, `${r.method} ${r.path} leaves the namespace`);
        assert.ok(allowed(scope, res.group, res.plural, verb, r.name), `${verb} ${res.plural}${r.name ? `/${r.name}` : ''} is not allowed by the chart's RBAC`);
        used.add(`${res.plural}:${verb}`);
      }
      for (const needed of ['pods:list', 'pods:watch', 'nodes:list', 'nodes:watch', 'dnsendpoints:list', 'dnsendpoints:watch', 'dnsendpoints:create', 'dnsendpoints:update', 'leases:get', 'leases:create', 'leases:update', 'events:create']) {
        assert.ok(used.has(needed), `the scenario exercised ${needed}`);
      }
    } finally {
      await c.stop();
    }
  });

  it('writes DNSEndpoints that validate against the external-dns CRD', async () => {
    const c = await new Cluster().start();
    try {
      c.addNodes(['n1', { externalIPs: ['203.0.113.1', '2001:db8::1'] }]);
      c.api.create('pods', pod('front-a', { nodeName: 'n1' }));
      // Dual-stack, so the address object carries an AAAA endpoint too.
      const op = await c.startOperator({ config: operatorConfig({ cluster: DUAL_STACK_CLUSTER }) });
      await c.waitLeader(op);
      await waitFor('records', () => c.targets().length === 2 && c.endpoint('mailu-spf') !== undefined);
      for (const name of ['mailu-front-address', 'mailu-spf']) {
        const o = c.endpoint(name)!;
        const { uid: _u, resourceVersion: _r, creationTimestamp: _c, generation: _g, ...metadata } = o.metadata;
        assert.deepEqual(validateManifest({ ...o, metadata }), [], name);
      }
    } finally {
      await c.stop();
    }
  });
});
