// The pure desired-state function and the write planner: every rule of what the operator publishes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredState, planWrites, type DnsEndpointObject, type DesiredState, type Decision } from '../../src/operator/desired.js';
import { nodeAddresses, podMayRunOn, podVerdict } from '../../src/operator/facts.js';
import { settingsFromConfig } from '../../src/operator/settings.js';
import { node, pod } from '../support/kube-fixtures.js';
import { DUAL_STACK_CLUSTER, operatorConfig } from '../support/operator-config.js';

// Dual-stack: nodes' IPv6 addresses count (single-stack clusters publish none, see the dual-stack tests).
const cluster = DUAL_STACK_CLUSTER;
const base = settingsFromConfig(operatorConfig({ cluster }));

function applied(d: Decision): { endpoints: Array<{ dnsName: string; recordType: string; targets: string[]; recordTTL?: number; providerSpecific?: unknown }>; targets: string[] } {
  assert.equal(d.action, 'apply', `expected apply, got ${JSON.stringify(d)}`);
  return d as Extract<Decision, { action: 'apply' }>;
}

describe('facts', () => {
  it('judges pods: scheduled, Running, Ready and not terminating', () => {
    assert.equal(podVerdict(pod('a', { nodeName: 'n1' })), 'serving');
    assert.equal(podVerdict(pod('a', { state: 'pending' })), 'unscheduled');
    assert.equal(podVerdict(pod('a', { nodeName: 'n1', state: 'scheduled' })), 'not-running');
    assert.equal(podVerdict(pod('a', { nodeName: 'n1', state: 'running' })), 'not-ready');
    assert.equal(podVerdict(pod('a', { nodeName: 'n1', terminating: true })), 'terminating');
    assert.equal(podVerdict(pod('a', { nodeName: 'n1', state: 'failed' })), 'not-running');
    // client-node's typed objects carry Date instances.
    assert.equal(podVerdict({ ...pod('a', { nodeName: 'n1' }), metadata: { deletionTimestamp: new Date() } }), 'terminating');
  });

  it('reads public addresses per family from the configured type (ExternalIP by default), never non-public ones', () => {
    const n = node('n', { externalIPs: ['203.0.113.5', '2001:db8::5'], internalIPs: ['10.0.0.5', 'fd00::5', '2001:db8:1::5', 'fe80::1'] });
    assert.deepEqual(nodeAddresses(n), { ipv4: ['203.0.113.5'], ipv6: ['2001:db8::5'], hasExternal: true, nonPublic: [] });
    const internal6 = nodeAddresses(n, { ipv4: 'ExternalIP', ipv6: 'InternalIP' });
    assert.deepEqual(internal6.ipv6, ['2001:db8:1::5']);
    assert.deepEqual(internal6.nonPublic.map((x) => x.address), ['fd00::5', 'fe80::1']);
    assert.deepEqual(nodeAddresses(node('m', { internalIPs: ['10.0.0.6', '2001:db8::6'] })), { ipv4: [], ipv6: [], hasExternal: false, nonPublic: [] });
    assert.deepEqual(nodeAddresses(node('x', { externalIPs: ['not-an-ip'] })).ipv4, []);
  });

  it('matches scheduling constraints: nodeSelector, required affinity, taints, cordon', () => {
    const n = node('n1', { labels: { mail: 'yes', zone: 'a' }, taints: [{ key: 'dedicated', value: 'mail', effect: 'NoSchedule' }] });
    const tol = [{ key: 'dedicated', operator: 'Equal', value: 'mail', effect: 'NoSchedule' }];
    assert.equal(podMayRunOn(pod('p', { nodeSelector: { mail: 'yes' } }), n), false, 'untolerated taint');
    assert.equal(podMayRunOn(pod('p', { nodeSelector: { mail: 'yes' }, tolerations: tol }), n), true);
    assert.equal(podMayRunOn(pod('p', { nodeSelector: { mail: 'no' }, tolerations: tol }), n), false);
    const aff = (op: string, values?: string[]) => ({
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: op, values }] }] } },
    });
    assert.equal(podMayRunOn(pod('p', { affinity: aff('In', ['a', 'b']), tolerations: tol }), n), true);
    assert.equal(podMayRunOn(pod('p', { affinity: aff('NotIn', ['a']), tolerations: tol }), n), false);
    assert.equal(podMayRunOn(pod('p', { affinity: aff('DoesNotExist'), tolerations: tol }), n), false);
    const byName = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }] } } };
    assert.equal(podMayRunOn(pod('p', { affinity: byName, tolerations: tol }), n), false);
    assert.equal(podMayRunOn(pod('p'), node('c', { unschedulable: true })), false);
    assert.equal(podMayRunOn(pod('p', { tolerations: [{ operator: 'Exists' }] }), node('c', { unschedulable: true })), true);
  });
});

describe('desiredState: the front address record', () => {
  const nodes = [
    node('n1', { externalIPs: ['203.0.113.1'] }),
    node('n2', { externalIPs: ['203.0.113.2', '2001:db8::2'] }),
    node('n3', { externalIPs: ['203.0.113.3'] }),
    node('bare', { internalIPs: ['10.0.0.9'] }),
  ];

  it('publishes the ready front pod node ExternalIP as an unproxied A record with the configured TTL', () => {
    const d = desiredState(base, { pods: [pod('front-1', { nodeName: 'n1' })], nodes });
    const a = applied(d.address);
    // (SPF findings aside: in this fixture smtp may run on the node without an ExternalIP.)
    assert.deepEqual(a.endpoints, [
      {
        dnsName: 'mail.example.com', recordType: 'A', recordTTL: 60, targets: ['203.0.113.1'],
        providerSpecific: [{ name: 'external-dns.kubernetes.io/cloudflare-proxied', value: 'false' }],
      },
    ]);
    assert.deepEqual(d.findings.filter((f) => !f.key.startsWith('spf')), []);
    assert.deepEqual(d.findings.map((f) => f.key), ['spf-nodes-without-external-ip/bare']);
  });

  it('builds the provider-specific key from the configured annotation prefix', () => {
    const s = settingsFromConfig(operatorConfig({ dnsExtra: { externalDns: { annotationPrefix: 'external-dns.alpha.kubernetes.io/' } } }));
    const a = applied(desiredState(s, { pods: [pod('f', { nodeName: 'n1' })], nodes }).address);
    assert.equal(a.endpoints[0]!.providerSpecific && (a.endpoints[0]!.providerSpecific as Array<{ name: string }>)[0]!.name, 'external-dns.alpha.kubernetes.io/cloudflare-proxied');
  });

  it('adds AAAA when a target node has a public IPv6 address, and all hostnames when configured', () => {
    const s = settingsFromConfig(operatorConfig({ cluster, operator: { allHostnames: true, ttl: 120 } }));
    const a = applied(desiredState(s, { pods: [pod('f', { nodeName: 'n2' })], nodes }).address);
    assert.deepEqual(
      a.endpoints.map((e) => [e.dnsName, e.recordType, e.targets.join(','), e.recordTTL]),
      [
        ['mail.example.com', 'A', '203.0.113.2', 120],
        ['mail.example.com', 'AAAA', '2001:db8::2', 120],
        ['smtp.example.com', 'A', '203.0.113.2', 120],
        ['smtp.example.com', 'AAAA', '2001:db8::2', 120],
      ],
    );
  });

  it('lists every serving pod node (DaemonSet), sorted numerically and de-duplicated', () => {
    const pods = [pod('f-c', { nodeName: 'n3' }), pod('f-a', { nodeName: 'n1' }), pod('f-b', { nodeName: 'n2' }), pod('f-d', { nodeName: 'n1' })];
    const many = [...nodes, node('n10', { externalIPs: ['203.0.113.10'] })];
    pods.push(pod('f-e', { nodeName: 'n10' }));
    const a = applied(desiredState(base, { pods, nodes: many }).address);
    assert.deepEqual(a.endpoints[0]!.targets, ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.10']);
  });

  it('ignores terminating, pending, not-ready and failed pods, other components and other instances', () => {
    const pods = [
      pod('old', { nodeName: 'n1', terminating: true }),
      pod('new', { nodeName: 'n2', state: 'running' }),
      pod('pending', { state: 'pending' }),
      pod('evicted', { nodeName: 'n3', state: 'failed' }),
      pod('smtp', { nodeName: 'n3', component: 'smtp' }),
      pod('other', { nodeName: 'n3', instance: 'other' }),
      pod('serving', { nodeName: 'n2' }),
    ];
    const d = desiredState(base, { pods, nodes });
    assert.deepEqual(applied(d.address).targets, ['203.0.113.2', '2001:db8::2']);
    assert.deepEqual(d.stats.frontPods, { serving: 1, unscheduled: 1, 'not-running': 1, 'not-ready': 1, terminating: 1 });
  });

  it('keeps the last targets when no pod qualifies (default) and says so', () => {
    const d = desiredState(base, { pods: [pod('old', { nodeName: 'n1', terminating: true }), pod('new', { state: 'pending' })], nodes });
    assert.equal(d.address.action, 'keep');
    const f = d.findings.find((x) => x.key === 'no-ready-front');
    assert.ok(f);
    assert.equal(f.reason, 'NoReadyFrontPod');
    assert.match(f.message, /keeping the last published targets/);
  });

  it('removes the record when onNoReadyPod is remove', () => {
    const s = settingsFromConfig(operatorConfig({ operator: { onNoReadyPod: 'remove' } }));
    assert.equal(desiredState(s, { pods: [], nodes }).address.action, 'delete');
  });

  it('leaves out and reports a node without an ExternalIP', () => {
    const d = desiredState(base, { pods: [pod('a', { nodeName: 'bare' }), pod('b', { nodeName: 'n1' })], nodes });
    assert.deepEqual(applied(d.address).targets, ['203.0.113.1']);
    assert.deepEqual(d.stats.nodesWithoutExternalIp, ['bare']);
    assert.ok(d.findings.some((f) => f.key === 'node-without-external-ip/bare' && f.reason === 'NodeWithoutExternalIP'));
    const only = desiredState(base, { pods: [pod('a', { nodeName: 'bare' })], nodes });
    assert.equal(only.address.action, 'keep');
  });

  it('does not manage the address record outside hostPort exposure', () => {
    const s = settingsFromConfig(
      operatorConfig({ exposure: { mode: 'loadBalancer' }, egress: { mode: 'nodeIps' } }),
    );
    assert.equal(s.manageAddress, false);
    assert.equal(desiredState(s, { pods: [pod('f', { nodeName: 'n1' })], nodes }).address.action, 'delete');
  });
});

describe('desiredState: the SPF record', () => {
  const nodes = [
    node('mx-b', { externalIPs: ['198.51.100.2', '2001:db8::b'], labels: { mail: 'yes' } }),
    node('mx-a', { externalIPs: ['198.51.100.1'], labels: { mail: 'yes' } }),
    node('worker', { externalIPs: ['198.51.100.9'] }),
    node('tainted', { externalIPs: ['198.51.100.7'], labels: { mail: 'yes' }, taints: [{ key: 'x', effect: 'NoSchedule' }] }),
  ];

  it('nodeIps: lists the nodes that run or may run smtp, with includes and extra IPs', () => {
    const s = settingsFromConfig(operatorConfig({ cluster, dnsExtra: { spf: { all: '-all', include: ['spf.relay.example.net'], extraIps: ['192.0.2.0/28'] } } }));
    const smtp = pod('smtp-0', { component: 'smtp', nodeName: 'mx-a', nodeSelector: { mail: 'yes' } });
    const d = desiredState(s, { pods: [smtp], nodes });
    const a = applied(d.spf);
    assert.deepEqual(a.endpoints, [
      {
        dnsName: 'example.com', recordType: 'TXT', recordTTL: 60,
        targets: ['v=spf1 ip4:198.51.100.1 ip4:198.51.100.2 ip4:192.0.2.0/28 ip6:2001:db8::b include:spf.relay.example.net -all'],
      },
    ]);
  });

  it('nodeIps without smtp pods falls back to egress.nodeSelector', () => {
    const s = settingsFromConfig(operatorConfig({ cluster, egress: { mode: 'nodeIps', nodeSelector: { mail: 'yes' } } }));
    const a = applied(desiredState(s, { pods: [], nodes }).spf);
    assert.equal(a.targets[0], 'v=spf1 ip4:198.51.100.1 ip4:198.51.100.2 ip4:198.51.100.7 ip6:2001:db8::b ~all');
  });

  it('ciliumGateway: the lexically first node matching the policy selector, plus configured IPv6', () => {
    const s = settingsFromConfig(operatorConfig({ egress: { mode: 'ciliumGateway', nodeSelector: { mail: 'yes' }, ipv6Addresses: ['2001:db8::25'] } }));
    const a = applied(desiredState(s, { pods: [], nodes }).spf);
    assert.equal(a.targets[0], 'v=spf1 ip4:198.51.100.1 ip6:2001:db8::25 ~all');
  });

  it('is not managed when the sender addresses are static', () => {
    const staticGw = settingsFromConfig(operatorConfig({ egress: { mode: 'ciliumGateway', nodeSelector: { mail: 'yes' }, publicIPs: ['192.0.2.1'] } }));
    assert.equal(staticGw.spf.managed, false);
    assert.equal(desiredState(staticGw, { pods: [], nodes }).spf.action, 'delete');
    const staticNodes = settingsFromConfig(operatorConfig({ egress: { mode: 'nodeIps', addresses: ['192.0.2.2'] } }));
    assert.equal(staticNodes.spf.managed, false);
  });

  it('keeps the last valid record when the limits are exceeded, and reports why', () => {
    const big = Array.from({ length: 40 }, (_, i) => node(`w${i}`, { externalIPs: [`198.51.100.${i + 10}`] }));
    const d = desiredState(base, { pods: [], nodes: big });
    assert.equal(d.spf.action, 'keep');
    const f = d.findings.find((x) => x.key === 'spf-invalid');
    assert.ok(f);
    assert.match(f.message, /450/);
    assert.equal(d.stats.spf?.ok, false);
    // The config refuses more than 10 includes; settings built elsewhere must still be caught here.
    const includes = { ...base, spf: { ...(base.spf as Extract<typeof base.spf, { managed: true }>), include: Array.from({ length: 11 }, (_, i) => `s${i}.example.net`) } };
    const d2 = desiredState(includes, { pods: [], nodes: [node('n', { externalIPs: ['198.51.100.1'] })] });
    assert.equal(d2.spf.action, 'keep');
    assert.match(d2.findings.find((x) => x.key === 'spf-invalid')!.message, /lookups/);
  });

  it('keeps the last record when no sender node has a public address', () => {
    const d = desiredState(base, { pods: [], nodes: [node('n', { internalIPs: ['10.0.0.1'] })] });
    assert.equal(d.spf.action, 'keep');
    assert.ok(d.findings.some((f) => f.key === 'spf-no-senders'));
  });
});

describe('planWrites', () => {
  const nodes = [node('n1', { externalIPs: ['203.0.113.1'] }), node('n2', { externalIPs: ['203.0.113.2'] })];
  const want = (nodeName: string): DesiredState => desiredState(base, { pods: [pod('f', { nodeName }), pod('s', { component: 'smtp', nodeName })], nodes });
  const asCurrent = (objs: DnsEndpointObject[]) => new Map(objs.map((o, i) => [o.metadata.name, { ...o, metadata: { ...o.metadata, resourceVersion: String(10 + i), uid: `u${i}` } }]));

  it('creates what is missing, then writes nothing while nothing changes', () => {
    const p = planWrites(base, want('n1'), new Map());
    assert.deepEqual(p.writes.map((w) => [w.op, w.name]), [['create', 'mailu-front-address'], ['create', 'mailu-spf']]);
    const created = p.writes.map((w) => (w as { body: DnsEndpointObject }).body);
    assert.deepEqual(created[0]!.metadata.labels, {
      'app.kubernetes.io/name': 'mailu', 'app.kubernetes.io/instance': 'mailu', 'app.kubernetes.io/component': 'dns-operator',
      'app.kubernetes.io/part-of': 'mailu', 'app.kubernetes.io/managed-by': 'mailu-k8s',
    });
    assert.deepEqual(planWrites(base, want('n1'), asCurrent(created)).writes, []);
  });

  it('updates on difference, keeping foreign annotations and carrying the resourceVersion', () => {
    const created = planWrites(base, want('n1'), new Map()).writes.map((w) => (w as { body: DnsEndpointObject }).body);
    created[0]!.metadata.annotations = { 'someone/else': 'x' };
    const p = planWrites(base, want('n2'), asCurrent(created));
    const addr = p.writes.find((w) => w.name === 'mailu-front-address');
    assert.ok(addr && addr.op === 'update');
    assert.deepEqual(addr.before, ['203.0.113.1']);
    assert.deepEqual(addr.targets, ['203.0.113.2']);
    assert.equal(addr.body.metadata.resourceVersion, '10');
    assert.deepEqual(addr.body.metadata.annotations, { 'someone/else': 'x' });
  });

  it('never touches an object with our name that it does not own', () => {
    const foreign: DnsEndpointObject = {
      metadata: { name: 'mailu-front-address', namespace: 'mailu', labels: { 'app.kubernetes.io/managed-by': 'someone-else' } },
      spec: { endpoints: [{ dnsName: 'mail.example.com', recordType: 'A', targets: ['192.0.2.66'] }] },
    };
    const p = planWrites(base, want('n1'), asCurrent([foreign]));
    assert.deepEqual(p.foreign, ['mailu-front-address']);
    assert.ok(!p.writes.some((w) => w.name === 'mailu-front-address'));
    const s = settingsFromConfig(operatorConfig({ operator: { onNoReadyPod: 'remove' } }));
    const none = desiredState(s, { pods: [], nodes });
    assert.deepEqual(planWrites(s, none, asCurrent([foreign])).writes.filter((w) => w.name === 'mailu-front-address'), []);
  });

  it('keeps (no write) or deletes (with preconditions) when nothing qualifies', () => {
    const created = planWrites(base, want('n1'), new Map()).writes.map((w) => (w as { body: DnsEndpointObject }).body);
    const cur = asCurrent(created);
    const noPods = desiredState(base, { pods: [], nodes });
    assert.deepEqual(planWrites(base, noPods, cur).writes.filter((w) => w.name === 'mailu-front-address'), []);
    const s = settingsFromConfig(operatorConfig({ operator: { onNoReadyPod: 'remove' } }));
    const del = planWrites(s, desiredState(s, { pods: [], nodes }), cur).writes.find((w) => w.name === 'mailu-front-address');
    assert.ok(del && del.op === 'delete');
    assert.equal(del.uid, 'u0');
    assert.equal(del.resourceVersion, '10');
  });

  it('treats key order and an absent vs. zero TTL as no change', () => {
    const created = planWrites(base, want('n1'), new Map()).writes.map((w) => (w as { body: DnsEndpointObject }).body);
    const reordered = structuredClone(created);
    const ep = reordered[0]!.spec!.endpoints![0]!;
    reordered[0]!.spec!.endpoints = [{ targets: ep.targets, providerSpecific: ep.providerSpecific, recordTTL: ep.recordTTL, recordType: ep.recordType, dnsName: ep.dnsName }];
    assert.deepEqual(planWrites(base, want('n1'), asCurrent(reordered)).writes, []);
  });
});
