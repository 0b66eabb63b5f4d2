// Builders for the objects the operator tests put into the test API server: nodes with addresses,
// Mailu pods in each lifecycle state, and helpers that play kubelet/scheduler on them.
import type { KubeApiServer, KubeObject } from './kube-api-server.js';

export interface NodeSpec {
  externalIPs?: string[];
  internalIPs?: string[];
  labels?: Record<string, string>;
  taints?: Array<{ key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }>;
  unschedulable?: boolean;
  /** Container images reported in status: real nodes carry dozens, which weighs on caches. */
  images?: number;
}

export function node(name: string, spec: NodeSpec = {}): KubeObject {
  const addresses = [
    ...(spec.internalIPs ?? []).map((a) => ({ type: 'InternalIP', address: a })),
    ...(spec.externalIPs ?? []).map((a) => ({ type: 'ExternalIP', address: a })),
    { type: 'Hostname', address: name },
  ];
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...(spec.labels ?? {}) },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: {
      podCIDR: '10.244.0.0/24',
      ...(spec.taints ? { taints: spec.taints } : {}),
      ...(spec.unschedulable ? { unschedulable: true } : {}),
    },
    status: {
      addresses,
      capacity: { cpu: '4', memory: '16369604Ki', pods: '110' },
      allocatable: { cpu: '4', memory: '16267204Ki', pods: '110' },
      conditions: ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'Ready'].map((t) => ({
        type: t,
        status: t === 'Ready' ? 'True' : 'False',
        reason: t === 'Ready' ? 'KubeletReady' : `KubeletHasNo${t}`,
        message: 'kubelet is posting ready status',
        lastHeartbeatTime: '2025-01-01T00:00:00Z',
        lastTransitionTime: '2025-01-01T00:00:00Z',
      })),
      nodeInfo: {
        kubeletVersion: 'v1.32.0', containerRuntimeVersion: 'containerd://1.7.0', kernelVersion: '6.1.0',
        osImage: 'Debian GNU/Linux 12 (bookworm)', operatingSystem: 'linux', architecture: 'amd64',
        machineID: '0'.repeat(32), systemUUID: '00000000-0000-0000-0000-000000000000', bootID: '00000000-0000-0000-0000-000000000000',
        kubeProxyVersion: '', 
      },
      images: Array.from({ length: spec.images ?? 0 }, (_, i) => ({
        names: [`registry.example.com/team/app-${i}@sha256:${'a'.repeat(64)}`, `registry.example.com/team/app-${i}:v1.${i}`],
        sizeBytes: 50_000_000 + i,
      })),
    },
  };
}

export type PodState = 'pending' | 'scheduled' | 'running' | 'ready' | 'failed' | 'succeeded';

export interface PodSpec {
  namespace?: string;
  instance?: string;
  component?: string;
  nodeName?: string;
  state?: PodState;
  terminating?: boolean;
  labels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  affinity?: unknown;
  tolerations?: unknown[];
}

export function mailuLabels(instance: string, component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'mailu', 'app.kubernetes.io/instance': instance, 'app.kubernetes.io/component': component };
}

function podStatus(state: PodState): Record<string, unknown> {
  const cond = (type: string, ok: boolean) => ({ type, status: ok ? 'True' : 'False', lastTransitionTime: '2025-01-01T00:00:00Z' });
  switch (state) {
    case 'pending':
      return { phase: 'Pending', conditions: [cond('PodScheduled', false)] };
    case 'scheduled':
      return { phase: 'Pending', conditions: [cond('PodScheduled', true), cond('Initialized', false), cond('Ready', false)] };
    case 'running':
      return { phase: 'Running', conditions: [cond('PodScheduled', true), cond('Initialized', true), cond('ContainersReady', false), cond('Ready', false)] };
    case 'ready':
      return { phase: 'Running', conditions: [cond('PodScheduled', true), cond('Initialized', true), cond('ContainersReady', true), cond('Ready', true)] };
    case 'failed':
      return { phase: 'Failed', reason: 'Evicted', conditions: [cond('Ready', false)] };
    case 'succeeded':
      return { phase: 'Succeeded', conditions: [cond('Ready', false)] };
  }
}

export function pod(name: string, spec: PodSpec = {}): KubeObject {
  const state = spec.state ?? 'ready';
  const scheduled = state !== 'pending';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: spec.namespace ?? 'mailu',
      labels: { ...mailuLabels(spec.instance ?? 'mailu', spec.component ?? 'front'), ...(spec.labels ?? {}) },
      ...(spec.terminating ? { deletionTimestamp: '2030-01-01T00:00:00Z', deletionGracePeriodSeconds: 30 } : {}),
    },
    spec: {
      ...(scheduled && spec.nodeName ? { nodeName: spec.nodeName } : {}),
      ...(spec.nodeSelector ? { nodeSelector: spec.nodeSelector } : {}),
      ...(spec.affinity ? { affinity: spec.affinity } : {}),
      ...(spec.tolerations ? { tolerations: spec.tolerations } : {}),
      containers: [{ name: 'main', image: 'ghcr.io/mailu/nginx:2024.06' }],
      terminationGracePeriodSeconds: 30,
    },
    status: podStatus(state),
  };
}

/** Plays kubelet: moves a pod through its lifecycle. */
export function setPodState(api: KubeApiServer, namespace: string, name: string, state: PodState, nodeName?: string): KubeObject {
  return api.mutate('pods', namespace, name, (o) => {
    o.status = podStatus(state);
    const spec = o.spec as Record<string, unknown>;
    if (nodeName) spec.nodeName = nodeName;
  });
}

/** Marks a pod terminating (deletionTimestamp set, containers still running), as a graceful delete does. */
export function markTerminating(api: KubeApiServer, namespace: string, name: string): KubeObject {
  return api.mutate('pods', namespace, name, (o) => {
    o.metadata.deletionTimestamp = new Date(Date.now() + 30_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    o.metadata.deletionGracePeriodSeconds = 30;
  });
}

export function setNodeAddresses(api: KubeApiServer, name: string, externalIPs: string[], internalIPs: string[] = []): KubeObject {
  return api.mutate('nodes', undefined, name, (o) => {
    const status = o.status as { addresses: Array<{ type: string; address: string }> };
    status.addresses = [
      ...internalIPs.map((a) => ({ type: 'InternalIP', address: a })),
      ...externalIPs.map((a) => ({ type: 'ExternalIP', address: a })),
      { type: 'Hostname', address: name },
    ];
  });
}
