// Facts read from cluster objects: which pods count, which node addresses are public, which nodes a
// pod may be scheduled on. Pure functions over minimal object shapes, so the same code reads
// client-node's typed objects, raw watch JSON and test fixtures.
import ipaddr from 'ipaddr.js';
import { nonPublicRange } from '../model/address-checks.js';

/** Timestamps arrive as strings (watch JSON) or Date objects (client-node's typed lists). */
type Timestamp = string | Date;

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: LabelSelectorRequirement[];
  matchFields?: LabelSelectorRequirement[];
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export interface PodLike {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    deletionTimestamp?: Timestamp | null;
    creationTimestamp?: Timestamp | null;
  };
  spec?: {
    nodeName?: string | null;
    nodeSelector?: Record<string, string> | null;
    affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] } | null } | null } | null;
    tolerations?: Toleration[] | null;
  };
  status?: {
    phase?: string | null;
    conditions?: Array<{ type: string; status: string }> | null;
  };
}

export interface NodeLike {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { taints?: Taint[] | null; unschedulable?: boolean | null };
  status?: { addresses?: Array<{ type: string; address: string }> | null };
}

/** Why a front pod does or does not count as serving mail. */
export type PodVerdict = 'serving' | 'unscheduled' | 'not-running' | 'not-ready' | 'terminating';

/** A pod serves when it is scheduled, Running, Ready and not being deleted. */
export function podVerdict(pod: PodLike): PodVerdict {
  if (pod.metadata?.deletionTimestamp) return 'terminating';
  if (!pod.spec?.nodeName) return 'unscheduled';
  if (pod.status?.phase !== 'Running') return 'not-running';
  const ready = (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  return ready ? 'serving' : 'not-ready';
}

/** A pod that still occupies its node (not finished). */
export function podActive(pod: PodLike): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

/** The node address type that holds a family's public address (dns.operator.nodeAddressType). */
export type NodeAddressType = 'ExternalIP' | 'InternalIP';
export interface NodeAddressTypes {
  ipv4: NodeAddressType;
  ipv6: NodeAddressType;
}
export const EXTERNAL_ONLY: NodeAddressTypes = { ipv4: 'ExternalIP', ipv6: 'ExternalIP' };

export interface NodeAddresses {
  ipv4: string[];
  ipv6: string[];
  /** The node reports at least one address of a type read for its family (public or not). */
  hasExternal: boolean;
  /** Addresses of a read type left out because no client on the internet can reach them. */
  nonPublic: Array<{ address: string; range: string }>;
}

function canonical(addr: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  try {
    return ipaddr.process(addr.trim());
  } catch {
    return undefined;
  }
}

/**
 * The addresses a node is reachable at from the internet, per family from the address type
 * configured for it (ExternalIP by default; InternalIP where nodes list their public address only
 * so). Private, unique-local, link-local and other non-public addresses are never returned: a record
 * naming them would send mail to an address nobody outside can reach.
 */
export function nodeAddresses(node: NodeLike, types: NodeAddressTypes = EXTERNAL_ONLY): NodeAddresses {
  const out: NodeAddresses = { ipv4: [], ipv6: [], hasExternal: false, nonPublic: [] };
  for (const a of node.status?.addresses ?? []) {
    const ip = canonical(a.address);
    if (!ip) continue;
    const family = ip.kind() === 'ipv4' ? 'ipv4' : 'ipv6';
    if (a.type !== types[family]) continue;
    out.hasExternal = true;
    const text = ip.toString();
    const range = nonPublicRange(text);
    if (range) out.nonPublic.push({ address: text, range });
    else if (!out[family].includes(text)) out[family].push(text);
  }
  return out;
}

function matchExpression(req: LabelSelectorRequirement, value: string | undefined): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || !/^-?\d+$/.test(value) || values.length !== 1) return false;
      const n = Number(value);
      const bound = Number(values[0]);
      return req.operator === 'Gt' ? n > bound : n < bound;
    }
    default:
      return false;
  }
}

function matchTerm(term: NodeSelectorTerm, node: NodeLike): boolean {
  const labels = node.metadata?.labels ?? {};
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  // An empty term selects nothing (as the scheduler reads it).
  if (exprs.length === 0 && fields.length === 0) return false;
  return (
    exprs.every((e) => matchExpression(e, Object.prototype.hasOwnProperty.call(labels, e.key) ? labels[e.key] : undefined)) &&
    fields.every((f) => matchExpression(f, f.key === 'metadata.name' ? node.metadata?.name : undefined))
  );
}

export function matchesLabels(selector: Record<string, string> | null | undefined, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return Object.entries(selector ?? {}).every(([k, v]) => l[k] === v);
}

function tolerates(tolerations: Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

/**
 * Could the scheduler place this pod on this node? nodeSelector, required node affinity, taints
 * with NoSchedule/NoExecute, and cordoned nodes. (Resources and inter-pod rules are not judged:
 * for SPF the question is where mail may leave from, so erring towards "may" is the safe side.)
 */
export function podMayRunOn(pod: PodLike, node: NodeLike): boolean {
  const spec = pod.spec ?? {};
  if (!matchesLabels(spec.nodeSelector, node.metadata?.labels)) return false;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && terms.length > 0 && !terms.some((t) => matchTerm(t, node))) return false;
  const tolerations = spec.tolerations ?? [];
  for (const taint of node.spec?.taints ?? []) {
    if ((taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && !tolerates(tolerations, taint)) return false;
  }
  if (node.spec?.unschedulable && !tolerates(tolerations, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })) return false;
  return true;
}
