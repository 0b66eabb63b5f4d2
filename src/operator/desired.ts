// The operator's brain, as pure functions: cluster facts → the DNSEndpoints that should exist
// (desiredState), and desired vs. current → the writes to make (planWrites). No I/O here; the
// reconciler feeds these from its informer caches and performs what planWrites returns.
import { buildSpf } from '../dns/spf.js';
import { sortIps } from '../model/net.js';
import { matchesLabels, nodeAddresses, podActive, podMayRunOn, podVerdict, type NodeAddresses, type NodeLike, type PodLike, type PodVerdict } from './facts.js';
import { DNSENDPOINT_GROUP, DNSENDPOINT_KIND, DNSENDPOINT_VERSION, isOwned, type OperatorSettings } from './settings.js';

export interface Endpoint {
  dnsName: string;
  recordType: string;
  recordTTL?: number;
  targets: string[];
  providerSpecific?: Array<{ name: string; value: string }>;
  labels?: Record<string, string>;
  setIdentifier?: string;
}

export interface DnsEndpointObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    uid?: string;
    [k: string]: unknown;
  };
  spec?: { endpoints?: Endpoint[] };
  status?: unknown;
}

export interface ClusterFacts {
  /** This instance's Mailu pods (any component) in the Mailu namespace. */
  pods: PodLike[];
  nodes: NodeLike[];
}

/** Something worth telling the user about; `key` identifies it so it is reported once per onset. */
export interface Finding {
  key: string;
  severity: 'info' | 'warning' | 'error';
  reason: string;
  message: string;
}

export type Decision =
  /** Write this spec (create or update as needed). */
  | { action: 'apply'; endpoints: Endpoint[]; targets: string[] }
  /** Leave whatever is published alone (keep the last good record). */
  | { action: 'keep'; why: string }
  /** The record must go (onNoReadyPod: remove, or no longer managed by the operator). */
  | { action: 'delete'; why: string };

export interface DesiredState {
  address: Decision;
  spf: Decision;
  findings: Finding[];
  /** Figures for metrics and logs. */
  stats: {
    frontPods: Record<PodVerdict, number>;
    nodesWithoutExternalIp: string[];
    spf?: { lookups: number; bytes: number; ok: boolean; value: string };
  };
}

function component(p: PodLike): string | undefined {
  return p.metadata?.labels?.['app.kubernetes.io/component'];
}

function nodeIndex(nodes: NodeLike[]): Map<string, NodeLike> {
  const m = new Map<string, NodeLike>();
  for (const n of nodes) if (n.metadata?.name) m.set(n.metadata.name, n);
  return m;
}

function addressEndpoints(s: OperatorSettings, ipv4: string[], ipv6: string[]): Endpoint[] {
  // The mail hostname must resolve to the node itself: never let a provider proxy it (Cloudflare).
  const providerSpecific = [{ name: `${s.annotationPrefix}cloudflare-proxied`, value: 'false' }];
  const out: Endpoint[] = [];
  for (const dnsName of s.hostnames) {
    if (ipv4.length) out.push({ dnsName, recordType: 'A', recordTTL: s.ttl, targets: ipv4, providerSpecific });
    if (ipv6.length) out.push({ dnsName, recordType: 'AAAA', recordTTL: s.ttl, targets: ipv6, providerSpecific });
  }
  return out;
}

/** The address types read, for messages: "ExternalIP", or per family when they differ. */
export function addressTypesText(s: OperatorSettings): string {
  const t = s.addressTypes;
  return !s.ipv6 || t.ipv4 === t.ipv6 ? t.ipv4 : `IPv4 ${t.ipv4} or IPv6 ${t.ipv6}`;
}

/** A node's public addresses in the families this cluster uses, reporting non-public ones once. */
function usableAddresses(s: OperatorSettings, name: string, addrs: NodeAddresses, findings: Finding[]): { ipv4: string[]; ipv6: string[] } {
  const skipped = addrs.nonPublic.filter((a) => s.ipv6 || !a.address.includes(':'));
  if (skipped.length > 0) {
    findings.push({
      key: `node-address-not-public/${name}/${skipped.map((a) => a.address).join(',')}`,
      severity: 'warning',
      reason: 'NodeAddressNotPublic',
      message: `node ${name} reports ${skipped.map((a) => `${a.address} (${a.range})`).join(', ')} as its public address; no client outside can reach it, so it is not published (check dns.operator.nodeAddressType)`,
    });
  }
  return { ipv4: addrs.ipv4, ipv6: s.ipv6 ? addrs.ipv6 : [] };
}

function desiredAddress(s: OperatorSettings, facts: ClusterFacts, nodes: Map<string, NodeLike>, findings: Finding[], stats: DesiredState['stats']): Decision {
  if (!s.manageAddress) return { action: 'delete', why: 'the front address is not managed by the operator with this config' };
  const front = facts.pods.filter((p) => component(p) === s.frontComponent && matchesLabels(s.podSelector, p.metadata?.labels));
  const serving: PodLike[] = [];
  for (const p of front) {
    const v = podVerdict(p);
    stats.frontPods[v]++;
    if (v === 'serving') serving.push(p);
  }
  const ipv4: string[] = [];
  const ipv6: string[] = [];
  const hostNodes = [...new Set(serving.map((p) => p.spec!.nodeName!))].sort();
  for (const name of hostNodes) {
    const node = nodes.get(name);
    const addrs = node ? nodeAddresses(node, s.addressTypes) : undefined;
    if (!addrs?.hasExternal) {
      stats.nodesWithoutExternalIp.push(name);
      findings.push({
        key: `node-without-external-ip/${name}`,
        severity: 'warning',
        reason: 'NodeWithoutExternalIP',
        message: node
          ? `node ${name} runs a ready front pod but reports no ${addressTypesText(s)} address; it is left out of the record`
          : `node ${name} runs a ready front pod but is not known (yet); it is left out of the record`,
      });
      continue;
    }
    const usable = usableAddresses(s, name, addrs, findings);
    ipv4.push(...usable.ipv4);
    ipv6.push(...usable.ipv6);
  }
  const v4 = sortIps(ipv4);
  const v6 = sortIps(ipv6);
  if (v4.length === 0 && v6.length === 0) {
    const why =
      serving.length === 0
        ? `no front pod is scheduled, running, ready and not terminating (${front.length} front pod(s) seen)`
        : `the ready front pods run on nodes without a public ${addressTypesText(s)} address`;
    findings.push({
      key: 'no-ready-front',
      severity: 'warning',
      reason: 'NoReadyFrontPod',
      message: s.onNoReadyPod === 'keep' ? `${why}; keeping the last published targets` : `${why}; removing the record (onNoReadyPod: remove)`,
    });
    return s.onNoReadyPod === 'keep' ? { action: 'keep', why } : { action: 'delete', why };
  }
  return { action: 'apply', endpoints: addressEndpoints(s, v4, v6), targets: [...v4, ...v6] };
}

/** The nodes mail may leave from, per egress mode. */
function senderNodes(s: Extract<OperatorSettings['spf'], { managed: true }>, settings: OperatorSettings, facts: ClusterFacts): { nodes: string[]; basis: string } {
  const names = facts.nodes.map((n) => n.metadata?.name).filter((n): n is string => Boolean(n));
  if (s.source.mode === 'ciliumGateway') {
    const sel = s.source.gatewayNodeSelector;
    // Cilium picks the first matching node in lexical order of its name.
    const gw = facts.nodes
      .filter((n) => matchesLabels(sel, n.metadata?.labels))
      .map((n) => n.metadata!.name!)
      .sort()[0];
    return { nodes: gw ? [gw] : [], basis: `gateway node (first node matching ${JSON.stringify(sel)})` };
  }
  const smtp = facts.pods.filter((p) => component(p) === settings.smtpComponent && matchesLabels(settings.podSelector, p.metadata?.labels) && podActive(p));
  if (smtp.length === 0) {
    const sel = s.source.fallbackNodeSelector;
    return {
      nodes: facts.nodes.filter((n) => matchesLabels(sel, n.metadata?.labels)).map((n) => n.metadata!.name!).sort(),
      basis: `nodes matching egress.nodeSelector ${JSON.stringify(sel)} (no smtp pod seen)`,
    };
  }
  const out = new Set<string>();
  for (const p of smtp) if (p.spec?.nodeName) out.add(p.spec.nodeName);
  for (const n of facts.nodes) if (smtp.some((p) => podMayRunOn(p, n))) out.add(n.metadata!.name!);
  return { nodes: [...out].filter((n) => names.includes(n)).sort(), basis: 'nodes that run or may run the smtp pods' };
}

function desiredSpf(settings: OperatorSettings, facts: ClusterFacts, nodes: Map<string, NodeLike>, findings: Finding[], stats: DesiredState['stats']): Decision {
  const s = settings.spf;
  if (!s.managed) return { action: 'delete', why: 'the SPF record is static with this config (published with the DNS plan)' };
  const { nodes: senders, basis } = senderNodes(s, settings, facts);
  const ipv4: string[] = [];
  const ipv6: string[] = [];
  const withoutIp: string[] = [];
  // IPv6 senders come from the nodes where IPv6 leaves through them: always with nodeIps, through
  // the gateway only where Cilium routes IPv6 there; otherwise from the config (egress.ipv6Addresses).
  const v6FromNodes = s.source.mode === 'nodeIps' || s.source.ipv6FromGateway;
  for (const name of senders) {
    const a = nodeAddresses(nodes.get(name)!, settings.addressTypes);
    if (!a.hasExternal) {
      withoutIp.push(name);
      continue;
    }
    const usable = usableAddresses(settings, name, a, findings);
    ipv4.push(...usable.ipv4);
    if (v6FromNodes) ipv6.push(...usable.ipv6);
  }
  if (withoutIp.length > 0) {
    // One finding for all of them: in a big cluster this can be many nodes.
    const shown = withoutIp.slice(0, 5).join(', ') + (withoutIp.length > 5 ? ` and ${withoutIp.length - 5} more` : '');
    findings.push({
      key: `spf-nodes-without-external-ip/${withoutIp.join(',')}`,
      severity: 'warning',
      reason: 'NodeWithoutExternalIP',
      message: `${withoutIp.length} node(s) may send mail but report no ${addressTypesText(settings)} address, so SPF cannot list them: ${shown}`,
    });
  }
  if (ipv4.length === 0 && ipv6.length === 0) {
    const why = `no public sender address found among the ${basis}`;
    findings.push({ key: 'spf-no-senders', severity: 'warning', reason: 'SpfNoSenders', message: `${why}; keeping the last published SPF record` });
    return { action: 'keep', why };
  }
  const build = buildSpf({
    ipv4: [...ipv4, ...s.extraIpv4],
    ipv6: [...ipv6, ...s.extraIpv6],
    include: s.include,
    all: s.all,
    domain: s.domain,
  });
  stats.spf = { lookups: build.lookups, bytes: build.bytes, ok: build.ok, value: build.value };
  if (!build.ok) {
    const why = `computed SPF record is invalid: ${build.errors.join('; ')}`;
    findings.push({ key: 'spf-invalid', severity: 'error', reason: 'SpfInvalid', message: `${why}; keeping the last valid record` });
    return { action: 'keep', why };
  }
  return {
    action: 'apply',
    endpoints: [{ dnsName: s.domain, recordType: 'TXT', recordTTL: settings.ttl, targets: [build.value] }],
    targets: [build.value],
  };
}

export function desiredState(settings: OperatorSettings, facts: ClusterFacts): DesiredState {
  const findings: Finding[] = [];
  const stats: DesiredState['stats'] = {
    frontPods: { serving: 0, unscheduled: 0, 'not-running': 0, 'not-ready': 0, terminating: 0 },
    nodesWithoutExternalIp: [],
  };
  const nodes = nodeIndex(facts.nodes);
  const address = desiredAddress(settings, facts, nodes, findings, stats);
  const spf = desiredSpf(settings, facts, nodes, findings, stats);
  // A node may be both front and sender: the same finding once.
  const unique = [...new Map(findings.map((f) => [f.key, f])).values()];
  return { address, spf, findings: unique, stats };
}

// ---------------------------------------------------------------- desired vs current

export type Write =
  | { op: 'create'; name: string; body: DnsEndpointObject; targets: string[] }
  | { op: 'update'; name: string; body: DnsEndpointObject; before: string[]; targets: string[] }
  | { op: 'delete'; name: string; uid?: string; resourceVersion?: string; before: string[]; why: string };

export interface Plan {
  writes: Write[];
  /** Objects with our names that we do not own: left untouched, reported. */
  foreign: string[];
}

/** Key order and absent-vs-empty differences do not count as changes. */
export function canonicalEndpoints(eps: Endpoint[] | undefined): string {
  const norm = (eps ?? []).map((e) => {
    const o: Record<string, unknown> = { dnsName: e.dnsName, recordType: e.recordType, targets: [...(e.targets ?? [])] };
    if (e.recordTTL !== undefined && e.recordTTL !== 0) o.recordTTL = e.recordTTL;
    if (e.setIdentifier) o.setIdentifier = e.setIdentifier;
    if (e.labels && Object.keys(e.labels).length) o.labels = Object.fromEntries(Object.entries(e.labels).sort());
    if (e.providerSpecific?.length) o.providerSpecific = e.providerSpecific.map((p) => ({ name: p.name, value: p.value }));
    return o;
  });
  return JSON.stringify(norm);
}

export function endpointTargets(obj: DnsEndpointObject | undefined): string[] {
  return (obj?.spec?.endpoints ?? []).flatMap((e) => e.targets ?? []);
}

/** The object to send: the current one (keeping others' annotations and status) with our labels and spec. */
export function desiredObject(settings: OperatorSettings, name: string, endpoints: Endpoint[], current?: DnsEndpointObject): DnsEndpointObject {
  const base = current ? structuredClone(current) : undefined;
  const { status: _status, ...rest } = base ?? ({} as DnsEndpointObject);
  return {
    ...rest,
    apiVersion: `${DNSENDPOINT_GROUP}/${DNSENDPOINT_VERSION}`,
    kind: DNSENDPOINT_KIND,
    metadata: {
      ...(base?.metadata ?? {}),
      name,
      namespace: settings.namespace,
      labels: { ...(base?.metadata.labels ?? {}), ...settings.ownerLabels },
    },
    spec: { endpoints: structuredClone(endpoints) },
  };
}

function labelsOk(settings: OperatorSettings, obj: DnsEndpointObject): boolean {
  const l = obj.metadata.labels ?? {};
  return Object.entries(settings.ownerLabels).every(([k, v]) => l[k] === v);
}

export function planWrites(settings: OperatorSettings, desired: DesiredState, current: ReadonlyMap<string, DnsEndpointObject>): Plan {
  const plan: Plan = { writes: [], foreign: [] };
  const pairs: Array<[string, Decision]> = [
    [settings.names.address, desired.address],
    [settings.names.spf, desired.spf],
  ];
  for (const [name, decision] of pairs) {
    const cur = current.get(name);
    if (cur && !isOwned(cur.metadata.labels, settings)) {
      // Never touch what we did not write, even when it stands in our way.
      if (decision.action !== 'delete') plan.foreign.push(name);
      continue;
    }
    switch (decision.action) {
      case 'keep':
        break;
      case 'delete':
        if (cur) {
          plan.writes.push({ op: 'delete', name, uid: cur.metadata.uid, resourceVersion: cur.metadata.resourceVersion, before: endpointTargets(cur), why: decision.why });
        }
        break;
      case 'apply':
        if (!cur) {
          plan.writes.push({ op: 'create', name, body: desiredObject(settings, name, decision.endpoints), targets: decision.targets });
        } else if (canonicalEndpoints(cur.spec?.endpoints) !== canonicalEndpoints(decision.endpoints) || !labelsOk(settings, cur)) {
          plan.writes.push({ op: 'update', name, body: desiredObject(settings, name, decision.endpoints, cur), before: endpointTargets(cur), targets: decision.targets });
        }
        break;
    }
  }
  return plan;
}
