// The model: every fact the renderers need, derived once from a validated config by pure code.
import type { ComponentName, MailuConfig } from '../config/schema.js';
import { type ComponentModel, decideComponents } from './components.js';
import { decideEgress, type EgressIdentity } from './egress.js';
import { buildEnv, type EnvModel } from './env.js';
import { decideExposure, type Exposure } from './exposure.js';
import { decideFlows, type Flow } from './flows.js';
import { clusterAddresses } from './net.js';
import { decideTraefikGuard, type TraefikGuard } from './traefik-guard.js';
import { decideTrust, type Trust } from './trust.js';

export interface MailuModel {
  config: MailuConfig;
  exposure: Exposure;
  trust: Trust;
  egress: EgressIdentity;
  components: Map<ComponentName, ComponentModel>;
  env: EnvModel;
  flows: Flow[];
  /** ClusterIP of the validating resolver (pods point their dnsConfig at it). */
  resolverIp: string;
  /** ClusterIP of the cluster DNS the resolver forwards the cluster domain to. */
  clusterDnsIp: string;
  /** Name of the kubernetes.io/tls Secret front mounts, if TLS is on. */
  tlsSecretName?: string;
  /** The opt-in NetworkPolicy for Traefik's mail entry points (exposure.traefik.entryPointPolicy). */
  traefikGuard?: TraefikGuard;
}

export function buildModel(config: MailuConfig): MailuModel {
  const exposure = decideExposure(config);
  const trust = decideTrust(config, exposure);
  const egress = decideEgress(config);
  const components = decideComponents(config, exposure);
  const env = buildEnv(config, components, exposure, trust);
  const flows = decideFlows(config, exposure, components);
  const addrs = clusterAddresses(config);
  const traefikGuard = decideTraefikGuard(config, exposure);
  const tls = config.tls;
  const tlsSecretName =
    tls.source === 'certManager' ? (tls.secretName ?? `${config.instance}-tls`) : tls.source === 'secret' ? tls.secretName : undefined;
  return {
    config,
    exposure,
    trust,
    egress,
    components,
    env,
    flows,
    resolverIp: addrs.resolver,
    clusterDnsIp: addrs.clusterDns,
    ...(tlsSecretName ? { tlsSecretName } : {}),
    ...(traefikGuard ? { traefikGuard } : {}),
  };
}

export type { ComponentModel, EgressIdentity, EnvModel, Exposure, Flow, TraefikGuard, Trust };
