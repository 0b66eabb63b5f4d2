// One Mailu component = a workload (Deployment or DaemonSet), its Service and its storage. The
// per-component constructs in components/ say only what differs (command, probes, volumes).
import { Construct } from 'constructs';
import type { Container, EnvVar as K8sEnvVar, PodSpec, Probe, Volume, VolumeMount } from 'kubernetes-types/core/v1.js';
import type { PersistentVolumeClaim, Service, ServiceSpec } from 'kubernetes-types/core/v1.js';
import type { DaemonSet, Deployment } from 'kubernetes-types/apps/v1.js';
import type { ComponentModel } from '../model/components.js';
import type { EnvVar } from '../model/env.js';
import { objectLabels, selectorLabels } from '../model/labels.js';
import { plainWorkload } from '../model/workloads.js';
import { emit, KEEP_DATA_ANNOTATIONS, type Manifest } from './api.js';
import type { ChartContext } from './context.js';
import { containerEnv, emitDisruptionBudget, podMetadata, podScheduling, podSecurity } from './pod-knobs.js';
import { claimClass, type DataMount, planDataVolume } from './storage.js';

export type { DataMount } from './storage.js';

export interface WorkloadProps {
  ctx: ChartContext;
  component: ComponentModel;
  /** Component-only variables (secret references and settings). */
  env?: EnvVar[];
  /** Load the shared Mailu ConfigMap (false for third-party images). */
  sharedEnv?: boolean;
  /** Point the pod's DNS at the validating resolver (false for the resolver itself). */
  useResolver?: boolean;
  command?: string[];
  args?: string[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  /** Persistent data: a claim per component (RWO), folders of the shared RWX claim, or the Helm chart's claim. */
  data?: DataMount[];
  extraVolumes?: Volume[];
  extraMounts?: VolumeMount[];
  kind?: 'Deployment' | 'DaemonSet';
  /** Nodes the pods must run on, besides what the model decides (workloads.*, exposure, egress). */
  nodeSelector?: Record<string, string>;
  /** Container ports also bound on the node's address (hostPort exposure). */
  hostPorts?: number[];
  podAnnotations?: Record<string, string>;
  /** Extra fields for the ClusterIP Service (e.g. a fixed clusterIP for the resolver). */
  service?: Partial<ServiceSpec>;
  terminationGracePeriodSeconds?: number;
}

/**
 * A readiness probe from a health check: checked every 5 s and unready only after three misses in
 * a row, so one slow answer never takes the pod out of its Service (or moves the MX record).
 */
export function readiness(probe: Probe): Probe {
  return { ...probe, periodSeconds: 5, failureThreshold: 3 };
}

/** Shell-wrapped exec probe: Docker HEALTHCHECK-style commands need a shell for pipes and $(). */
export function shellProbe(script: string, opts: Partial<Probe> = {}): Probe {
  return { exec: { command: ['/bin/sh', '-c', script] }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3, ...opts };
}

export function toK8sEnv(env: EnvVar[]): K8sEnvVar[] {
  return env.map((e) =>
    'secret' in e ? { name: e.name, valueFrom: { secretKeyRef: { name: e.secret.name, key: e.secret.key } } } : { name: e.name, value: e.value },
  );
}

export class MailuWorkload extends Construct {
  readonly podSpec: PodSpec;
  readonly claimName?: string;

  constructor(scope: Construct, id: string, props: WorkloadProps) {
    super(scope, id);
    const { ctx, component } = props;
    const name = component.objectName;
    const labels = objectLabels(ctx.instance, component.name);
    const selector = selectorLabels(ctx.instance, component.name);
    // Config files from ConfigMaps (Mailu's /overrides, rspamd's Redis password file).
    const files = ctx.files?.(component.name);
    const volumes: Volume[] = [...(props.extraVolumes ?? []), ...(files?.volumes ?? [])];
    const mounts: VolumeMount[] = [...(props.extraMounts ?? []), ...(files?.mounts ?? [])];

    // Storage (storage.ts): a new RWO claim per component, folders of one shared RWX claim, or
    // the Helm chart's existing claim with its folders. Persistent data never has two writers:
    // even on an RWX claim, two postfix or dovecot instances on one queue or maildir (or two
    // SQLite writers) corrupt it or deadlock a rollout.
    let singleWriter = false;
    if (props.data && props.data.length > 0) {
      singleWriter = true;
      const plan = planDataVolume(ctx.storage, component.name, name, props.data);
      const claimName = plan.claimName;
      this.claimName = claimName;
      if (plan.newClaim) {
        emit<PersistentVolumeClaim & Manifest>(this, {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          // storage.annotations may not replace the keep-data ones (the schema refuses those keys).
          metadata: { name: claimName, namespace: ctx.namespace, labels, annotations: { ...ctx.storage.annotations, ...KEEP_DATA_ANNOTATIONS } },
          spec: {
            accessModes: ['ReadWriteOnce'],
            ...(claimClass(ctx.storage, component.name) !== undefined ? { storageClassName: claimClass(ctx.storage, component.name) } : {}),
            resources: { requests: { storage: ctx.storage.sizes[component.name] ?? '1Gi' } },
          },
        });
      }
      volumes.push({ name: 'data', persistentVolumeClaim: { claimName } });
      mounts.push(...plan.mounts);
    }

    const hostPorts = new Set(props.hostPorts ?? []);
    const res = ctx.resources(component.name);
    // Replicas, scheduling, metadata, extra environment and security additions (workloads.*).
    const pod = ctx.workload?.(component.name) ?? plainWorkload(ctx.instance, component.name);
    const container: Container = {
      name: component.name,
      image: component.image,
      imagePullPolicy: ctx.imagePullPolicy,
      ...(props.command ? { command: props.command } : {}),
      ...(props.args ? { args: props.args } : {}),
      ...(component.ports.length > 0
        ? {
            ports: component.ports.map((p) => ({
              name: p.name,
              containerPort: p.port,
              protocol: p.protocol ?? 'TCP',
              ...(hostPorts.has(p.port) ? { hostPort: p.port } : {}),
            })),
          }
        : {}),
      ...containerEnv(pod, toK8sEnv(props.env ?? []), props.sharedEnv !== false ? [{ configMapRef: { name: ctx.envConfigMap } }] : []),
      resources: { requests: { ...res.requests }, limits: { ...res.limits } },
      ...(props.startupProbe ? { startupProbe: props.startupProbe } : {}),
      ...(props.livenessProbe ? { livenessProbe: props.livenessProbe } : {}),
      ...(props.readinessProbe ? { readinessProbe: props.readinessProbe } : {}),
      ...(mounts.length > 0 ? { volumeMounts: mounts } : {}),
    };

    const cd = ctx.clusterDomain;
    this.podSpec = {
      // Mailu never talks to the Kubernetes API: no token in its pods.
      automountServiceAccountToken: false,
      // Service links would inject *_PORT/*_SERVICE_HOST variables into Mailu's environment.
      enableServiceLinks: false,
      securityContext: podSecurity({ seccompProfile: { type: 'RuntimeDefault' } }, pod),
      ...(props.useResolver !== false
        ? {
            dnsPolicy: 'None',
            dnsConfig: {
              nameservers: [ctx.resolverIp],
              searches: [`${ctx.namespace}.svc.${cd}`, `svc.${cd}`, cd],
              options: [{ name: 'ndots', value: '5' }],
            },
          }
        : {}),
      // Several replicas are spread over nodes by default (a preference: one node still runs them).
      ...podScheduling(pod, props.nodeSelector),
      ...(props.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: props.terminationGracePeriodSeconds } : {}),
      containers: [container],
      ...(volumes.length > 0 ? { volumes } : {}),
    };

    const template = {
      metadata: podMetadata(pod, labels, { ...ctx.podAnnotations, ...files?.podAnnotations, ...props.podAnnotations }),
      spec: this.podSpec,
    };
    if (props.kind === 'DaemonSet') {
      emit<DaemonSet & Manifest>(this, {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name, namespace: ctx.namespace, labels },
        spec: {
          selector: { matchLabels: selector },
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
          template,
        },
      });
    } else {
      // Data volumes and host ports cannot be held by two pods at once: replace, don't roll. Several
      // replicas of a component with data share it by design (the model allows it only then).
      const recreate = (singleWriter && pod.replicas === 1) || hostPorts.size > 0;
      emit<Deployment & Manifest>(this, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: ctx.namespace, labels },
        spec: {
          replicas: pod.replicas,
          revisionHistoryLimit: 3,
          selector: { matchLabels: selector },
          strategy: recreate ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
          template,
        },
      });
    }

    if (component.servicePorts.length > 0) {
      const extra = ctx.serviceMetadata?.(component.name) ?? { labels: {}, annotations: {} };
      emit<Service & Manifest>(this, {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name,
          namespace: ctx.namespace,
          labels: { ...extra.labels, ...labels },
          ...(Object.keys(extra.annotations).length > 0 ? { annotations: extra.annotations } : {}),
        },
        spec: {
          type: 'ClusterIP',
          selector,
          ports: component.servicePorts.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: p.protocol ?? 'TCP' })),
          ...props.service,
        },
      });
    }

    if (props.kind !== 'DaemonSet' && pod.disruptionBudget) {
      // One pod at a time during drains: the others keep serving.
      emitDisruptionBudget(this, { name, namespace: ctx.namespace, labels }, selector);
    }
  }
}
