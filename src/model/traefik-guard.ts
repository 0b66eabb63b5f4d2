// Traefik passes every client's address on to Mailu, so a pod that connects to Traefik's mail entry
// points arrives at front with an address inside SUBNET, which Mailu relays for. The guard is an
// opt-in NetworkPolicy in Traefik's namespace that admits the mail entry points only from outside
// the cluster (and from Mailu's own pods, whose submissions are meant to be trusted), while leaving
// every other Traefik port as open as before. This decides its contents; the chart renders it.
import type { MailuConfig } from '../config/schema.js';
import type { Exposure } from './exposure.js';
import { internetPeers, type Peer } from './flows.js';
import { traefikContainerPort } from './ports.js';

export interface PortRange {
  port: number;
  endPort?: number;
}

export interface TraefikGuard {
  namespace: string;
  podLabels: Record<string, string>;
  /** Container ports of the mail entry points (what traefik-values.yaml opens). */
  mailPorts: number[];
  /** Who may reach them: the internet minus cluster ranges, Mailu's namespace, PROXY load balancers. */
  mailFrom: Peer[];
  /** Every other TCP port, as ranges: admitted from anywhere, as without the policy. */
  otherTcp: PortRange[];
}

export function decideTraefikGuard(config: MailuConfig, exp: Exposure): TraefikGuard | undefined {
  const x = config.exposure;
  if (x.mode !== 'traefik' || !x.traefik.entryPointPolicy.enabled) return undefined;
  const mailPorts = exp.mailPorts.map((p) => traefikContainerPort(p.port)).sort((a, b) => a - b);
  const lb: Peer[] = x.traefik.loadBalancerProxyCidrs.length > 0 ? [{ kind: 'cidrs', cidrs: x.traefik.loadBalancerProxyCidrs, except: [] }] : [];
  return {
    namespace: config.cluster.traefikNamespace,
    podLabels: { ...x.traefik.entryPointPolicy.podLabels },
    mailPorts,
    mailFrom: [...internetPeers(config), { kind: 'namespace', namespace: config.namespace }, ...lb],
    otherTcp: complement(mailPorts),
  };
}

/** 1..65535 without the given ports, as port/endPort ranges. */
export function complement(ports: readonly number[]): PortRange[] {
  const out: PortRange[] = [];
  let start = 1;
  for (const p of [...new Set(ports)].sort((a, b) => a - b)) {
    if (p > start) out.push(range(start, p - 1));
    start = p + 1;
  }
  if (start <= 65535) out.push(range(start, 65535));
  return out;
}

function range(from: number, to: number): PortRange {
  return from === to ? { port: from } : { port: from, endPort: to };
}
