// What workloads.* puts into a pod, and the one way every workload with several replicas is kept
// available (spread over nodes, a disruption budget). Used by MailuWorkload and the DNS operator.
import type { Construct } from 'constructs';
import type { Container, EnvFromSource, EnvVar, PodSecurityContext, PodSpec } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { WorkloadPlan } from '../model/workloads.js';
import { emit, type Manifest } from './api.js';

/** Scheduling and pull settings of the pod spec (only those that are set). */
export function podScheduling(plan: WorkloadPlan, extraNodeSelector: Record<string, string> = {}): Partial<PodSpec> {
  const nodeSelector = { ...extraNodeSelector, ...plan.nodeSelector };
  return {
    ...(Object.keys(nodeSelector).length > 0 ? { nodeSelector } : {}),
    ...(plan.tolerations.length > 0 ? { tolerations: plan.tolerations } : {}),
    ...(plan.affinity ? { affinity: plan.affinity } : {}),
    ...(plan.topologySpreadConstraints.length > 0 ? { topologySpreadConstraints: plan.topologySpreadConstraints } : {}),
    ...(plan.priorityClassName ? { priorityClassName: plan.priorityClassName } : {}),
    ...(plan.imagePullSecrets.length > 0 ? { imagePullSecrets: plan.imagePullSecrets.map((name) => ({ name })) } : {}),
  };
}

/** mailu-k8s's own pod security settings with the config's additions (which never weaken them). */
export function podSecurity(own: PodSecurityContext, plan: WorkloadPlan): PodSecurityContext {
  return { ...own, ...plan.securityContext };
}

/**
 * A container's environment: the config's envFrom sources first, so mailu-k8s's own (`ownFrom`,
 * listed later) win for every key they share, and explicit variables over both.
 */
export function containerEnv(plan: WorkloadPlan, own: EnvVar[], ownFrom: EnvFromSource[]): Pick<Container, 'env' | 'envFrom'> {
  const envFrom = [...plan.envFrom, ...ownFrom];
  const env = [...own, ...plan.env];
  return { ...(envFrom.length > 0 ? { envFrom } : {}), ...(env.length > 0 ? { env } : {}) };
}

/** Pod template metadata: the config's labels and annotations under mailu-k8s's own (which win). */
export function podMetadata(plan: WorkloadPlan, labels: Record<string, string>, annotations: Record<string, string>) {
  const a = { ...plan.podAnnotations, ...annotations };
  return { labels: { ...plan.podLabels, ...labels }, ...(Object.keys(a).length > 0 ? { annotations: a } : {}) };
}

/**
 * A budget that lets a drain evict one pod at a time; a pod that is not ready anyway may always
 * go, so it never blocks a drain.
 */
export function emitDisruptionBudget(scope: Construct, meta: { name: string; namespace: string; labels: Record<string, string> }, selector: Record<string, string>): void {
  emit<PodDisruptionBudget & Manifest>(scope, {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta,
    spec: { maxUnavailable: 1, selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
  });
}
