// The diagram's graph, read against the model, the DNS plan and the warnings it is drawn from:
// every public port with its PROXY setting and trusted ranges, every flow the NetworkPolicies
// admit, the egress with SPF and PTRs, who publishes each record, and where each warning applies.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reverseName } from '../../src/dns/plan.js';
import { type Diagram, type DiagramEdge, type DiagramNode, groupOf, portsText } from '../../src/diagram/graph.js';
import { draw, type Drawn, modes, OPERATOR, POD_SOURCE } from './modes.js';

function node(d: Diagram, id: string): DiagramNode {
  const n = d.nodes.find((x) => x.id === id);
  assert.ok(n, `node ${id} is drawn (have: ${d.nodes.map((x) => x.id).join(', ')})`);
  return n;
}
function edge(d: Diagram, from: string, to: string): DiagramEdge {
  const e = d.edges.find((x) => x.from === from && x.to === to);
  assert.ok(e, `edge ${from} → ${to} is drawn`);
  return e;
}

function checkInbound({ model, diagram: d }: Drawn): void {
  const exp = model.exposure;
  assert.equal(groupOf(node(d, 'internet')), 'inbound');
  assert.equal(groupOf(node(d, 'exposure')), 'inbound');
  assert.equal(groupOf(node(d, 'front')), 'inside');
  const ports = edge(d, 'exposure', 'front');
  assert.equal(ports.label.length, exp.publicPorts.length, 'one label line per public port');
  for (const p of exp.publicPorts) {
    const line = ports.label.find((l) => l.startsWith(`${p.port} ${p.name} · `));
    assert.ok(line, `port ${p.port} is labelled`);
    assert.match(line, p.proxy ? /PROXY on/ : /PROXY off/);
    for (const c of exp.proxyTrustedCidrs) assert.equal(line.includes(c), p.proxy, `${p.port}: trusted ${c} shown exactly when PROXY is on`);
  }
  assert.ok(edge(d, 'internet', 'exposure').label.join(' ').includes(exp.mailPorts.map((p) => p.port).join(', ')));
  const x = node(d, 'exposure');
  const cfg = model.config;
  if (cfg.exposure.mode === 'hostPort') assert.match(x.title, /^hostPort/);
  if (cfg.exposure.mode === 'loadBalancer') {
    assert.equal(x.title, `LoadBalancer Service ${cfg.instance}-front-public`);
    assert.ok(x.lines.includes('externalTrafficPolicy: Local'));
  }
  if (cfg.exposure.mode === 'traefik') {
    assert.match(x.title, new RegExp(`^Traefik .*namespace ${cfg.cluster.traefikNamespace}`));
    for (const p of exp.mailPorts) assert.match(x.lines[0]!, new RegExp(`${p.entryPoint}:${p.port}\\b`));
    assert.ok(x.lines.some((l) => l.includes('192.0.2.0/28')), 'the load balancer PROXY range in front of Traefik');
  }
  if (cfg.web.kind === 'none') {
    assert.ok(!d.nodes.some((n) => n.id === 'web'));
    return;
  }
  const web = node(d, 'web');
  assert.match(web.title, { ingress: /^Ingress \(class nginx\)/, traefik: /^Traefik IngressRoute/, gatewayApi: /^Gateway API HTTPRoute/ }[cfg.web.kind]);
  const toFront = edge(d, 'web', 'front').label.join(' ');
  assert.match(toFront, /^80 http/);
  assert.equal(toFront.includes('X-Forwarded-For'), model.trust.realIpHeader === 'X-Forwarded-For');
  edge(d, 'internet', 'web');
}

function checkFlows({ model, diagram: d }: Drawn): void {
  const drawn = new Map<number, DiagramEdge[]>();
  for (const e of d.edges) for (const i of e.flows) drawn.set(i, [...(drawn.get(i) ?? []), e]);
  model.flows.forEach((f, i) => {
    assert.ok(drawn.has(i), `flow ${i} (${f.why}) is drawn`);
    if (f.from.kind !== 'component' || f.to.kind !== 'component') return;
    if (f.to.component === 'resolver') {
      assert.ok(drawn.get(i)!.some((e) => e.from === 'all-pods' && e.to === 'resolver'));
      assert.ok(node(d, 'all-pods').lines.includes(f.from.component), `${f.from.component} listed among the resolver's clients`);
      return;
    }
    const e = drawn.get(i)!.find((x) => x.from === (f.from as { component: string }).component && x.to === (f.to as { component: string }).component);
    assert.ok(e, `${f.from.component} → ${f.to.component} drawn between the two`);
    assert.ok(e.label.includes(portsText(f.ports)), `${f.from.component} → ${f.to.component} labelled ${portsText(f.ports)}`);
  });
  // Nothing is drawn between components that the call graph does not admit.
  for (const e of d.edges.filter((x) => x.kind === 'internal')) {
    assert.ok(e.flows.length > 0, `internal edge ${e.from} → ${e.to} comes from flows`);
  }
  for (const c of model.components.keys()) node(d, c);
}

function checkOutbound({ model, plan, diagram: d }: Drawn): void {
  const eg = node(d, 'egress');
  assert.equal(groupOf(eg), 'outbound');
  edge(d, 'smtp', 'egress');
  const cfg = model.config;
  for (const ip of model.egress.senderIps) assert.ok(eg.lines.includes(`${ip} needs PTR → ${plan.primaryHostname}.`), `${ip} with its PTR`);
  const spf = edge(d, 'egress', 'receivers').label.join(' ');
  if (plan.spf.source === 'static') assert.equal(spf, `SPF ${plan.spf.value}`);
  const e = cfg.egress;
  if (e.mode === 'ciliumGateway') {
    assert.equal(eg.title, 'Cilium egress gateway');
    assert.ok(eg.lines.includes(`egress IP ${e.egressIP}`));
    assert.ok(eg.lines.includes(`public IPs ${e.publicIPs.join(', ')}`));
  }
  if (e.mode === 'relay') {
    assert.equal(eg.title, `relay ${e.host}:${e.port}`);
    assert.ok(eg.lines.some((l) => l.includes(`include:${e.spfInclude[0]}`)));
    assert.match(edge(d, 'fetchmail', 'mailboxes').label.join(' '), /from its node's address/);
    assert.ok(!d.edges.some((x) => x.from === 'fetchmail' && x.to === 'egress'), 'fetchmail does not go through the relay');
  } else {
    edge(d, 'fetchmail', 'egress');
    edge(d, 'egress', 'mailboxes');
  }
  if (e.mode === 'nodeIps') assert.equal(eg.title, 'node IPs');
}

function publisherOf(d: Diagram, line: string): string[] {
  return d.nodes.filter((n) => n.kind === 'publisher' && n.lines.includes(line)).map((n) => n.id);
}

function checkDns({ model, plan, diagram: d }: Drawn): void {
  for (const r of plan.records) {
    const line = `${r.type} ${r.name} ${r.values.length > 0 ? r.values.join(', ') : r.source === 'operator' ? '(kept live)' : '(publish by hand)'}`;
    const pubs = publisherOf(d, line);
    assert.equal(pubs.length, 1, `${r.type} ${r.name} has one publisher`);
    const expected = r.type === 'PTR' ? 'pub-ptr' : { static: 'pub-static', operator: 'pub-operator', manual: 'pub-manual' }[r.source];
    if (!(r.source === 'operator' && pubs[0] === 'pub-podsource')) assert.equal(pubs[0], expected, `${r.type} ${r.name}`);
  }
  for (const ip of model.egress.senderIps) assert.ok(node(d, 'pub-ptr').lines.some((l) => l.startsWith(`PTR ${reverseName(ip)} `)));
  const stat = d.nodes.find((n) => n.id === 'pub-static');
  if (stat) assert.match(stat.title, model.config.dns.externalDns.enabled ? /^external-dns/ : /^you/);
}

function checkWarnings({ warnings, diagram: d }: Drawn): void {
  assert.deepEqual(d.warnings.map((w) => w.text), warnings);
  for (const w of d.warnings) {
    for (const a of w.anchors) assert.ok(node(d, a).warnings.includes(w.n), `warning ${w.n} marked on ${a}`);
  }
  for (const n of d.nodes) for (const k of n.warnings) assert.ok(d.warnings[k - 1]!.anchors.includes(n.id));
}

describe('diagram graph: every exposure × egress mode', () => {
  for (const m of modes()) {
    it(m.name, () => {
      const drawn = draw(m.config);
      checkInbound(drawn);
      checkFlows(drawn);
      checkOutbound(drawn);
      checkDns(drawn);
      checkWarnings(drawn);
    });
  }
});

describe('diagram graph: DNS publishers and warnings', () => {
  it('the operator publishes the front address and SPF; external-dns the static plan', () => {
    const drawn = draw(OPERATOR);
    checkDns(drawn);
    const op = node(drawn.diagram, 'pub-operator');
    assert.ok(op.lines.includes(`A ${drawn.plan.primaryHostname} (kept live)`));
    assert.ok(op.lines.includes(`TXT ${drawn.plan.domain} (kept live)`));
    assert.match(node(drawn.diagram, 'pub-static').title, /^external-dns/);
    assert.ok(node(drawn.diagram, 'egress').lines.some((l) => l.startsWith('senders found live by the DNS operator')));
    assert.equal(edge(drawn.diagram, 'egress', 'receivers').label[0], 'SPF kept live by the DNS operator');
    const spfWarning = drawn.diagram.warnings.find((w) => /SPF record of .* is kept by the mailu-k8s operator/.test(w.text));
    assert.ok(spfWarning);
    assert.deepEqual(spfWarning.anchors, ['pub-operator', 'egress']);
  });

  it("external-dns's pod source publishes the front address", () => {
    const drawn = draw(POD_SOURCE);
    const pods = node(drawn.diagram, 'pub-podsource');
    assert.ok(pods.lines.includes(`A ${drawn.plan.primaryHostname} (kept live)`));
    assert.ok(!drawn.diagram.nodes.some((n) => n.id === 'pub-operator'));
  });

  it('marks each warning on what it concerns', () => {
    const byMode = new Map(modes().map((m) => [m.name, draw(m.config).diagram]));
    const traefik = byMode.get('traefik × nodeIps')!;
    assert.deepEqual(traefik.warnings.find((w) => w.text.includes('entryPointPolicy'))?.anchors, ['exposure']);
    const gateway = byMode.get('loadBalancer PROXY × nodeIps')!;
    assert.deepEqual(gateway.warnings.find((w) => w.text.startsWith('web.realIpFrom is empty'))?.anchors, ['web']);
    const cilium = byMode.get('hostPort × ciliumGateway')!;
    const away = cilium.warnings.find((w) => w.text.startsWith('mail leaves from'));
    assert.ok(away, 'the gateway sends from an address the MX host does not resolve to');
    assert.deepEqual(away.anchors, ['egress', 'pub-ptr']);
    assert.ok(node(cilium, 'egress').warnings.includes(away.n));
  });
});
