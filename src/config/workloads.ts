// `workloads.*` and `services.*`: the production knobs of every pod and Service (scheduling,
// metadata, images, environment, replicas, security additions). Only the syntax lives here; which
// component may run several replicas, what the environment may set and which labels stay
// mailu-k8s's are decided in src/model/workloads.ts.
import { z } from 'zod';
import {
  affinity,
  annotationMap,
  envFromSource,
  envName,
  envSource,
  imageParts,
  labelMap,
  objectName,
  podSecurityAdditions,
  pullSecret,
  toleration,
  topologySpreadConstraint,
} from './kube-shapes.js';

/** The key for the DNS operator's Deployment (dns.operator) among the components. */
export const DNS_OPERATOR_WORKLOAD = 'dnsOperator';
/** The key whose fields every workload starts from. */
export const DEFAULT_WORKLOAD = 'default';
/** The key for `<instance>-front-public`, the Service carrying front's public ports. */
export const FRONT_PUBLIC_SERVICE = 'frontPublic';

/** One workload's knobs; every field is optional, merged field by field over workloads.default. */
export const workloadSpec = z.strictObject({
  nodeSelector: labelMap.optional(),
  tolerations: z.array(toleration).optional(),
  affinity: affinity.optional(),
  /** Replaces the default spread over nodes; a constraint without labelSelector counts the workload's own pods. */
  topologySpreadConstraints: z.array(topologySpreadConstraint).optional(),
  priorityClassName: objectName('PriorityClass').optional(),
  podAnnotations: annotationMap.optional(),
  podLabels: labelMap.optional(),
  imagePullSecrets: z.array(pullSecret).optional(),
  image: imageParts.optional(),
  env: z.record(envName, envSource).optional(),
  envFrom: z.array(envFromSource).optional(),
  replicas: z.number().int().min(1).max(10).optional(),
  securityContext: podSecurityAdditions.optional(),
});
export type WorkloadSpec = z.output<typeof workloadSpec>;

/** Fields that only make sense for one component at a time. */
const PER_COMPONENT_ONLY: Partial<Record<keyof WorkloadSpec, string>> = {
  replicas: 'is set per component (workloads.<component>.replicas): only some components can run more than one',
  image: 'is set per component (workloads.<component>.image); mailu.registry and mailu.version are the defaults of Mailu\'s images',
};

/** `workloads`: `default` plus one entry per component (and the DNS operator). */
export function workloadsSection<T extends string>(components: readonly T[]) {
  const names = [DEFAULT_WORKLOAD, ...components, DNS_OPERATOR_WORKLOAD] as [string, ...string[]];
  return z
    .partialRecord(z.enum(names), workloadSpec)
    .superRefine((w, ctx) => {
      const d = w[DEFAULT_WORKLOAD];
      for (const [field, message] of Object.entries(PER_COMPONENT_ONLY)) {
        if (d?.[field as keyof WorkloadSpec] !== undefined) ctx.addIssue({ code: 'custom', path: [DEFAULT_WORKLOAD, field], message });
      }
    })
    .default({});
}

export const serviceSpec = z.strictObject({ annotations: annotationMap.optional(), labels: labelMap.optional() });
export type ServiceSpec = z.output<typeof serviceSpec>;

/** `services`: metadata for each component's ClusterIP Service and for front's public one. */
export function servicesSection<T extends string>(components: readonly T[]) {
  const names = [...components, FRONT_PUBLIC_SERVICE] as string[] as [string, ...string[]];
  return z.partialRecord(z.enum(names), serviceSpec).default({});
}
