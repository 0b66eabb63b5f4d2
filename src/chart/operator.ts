// The DNS operator's chart objects: its config (the Mailu config file), ServiceAccount, least-
// privilege RBAC (named resources, no wildcards) and a 2-replica Deployment with leader election.
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { ConfigMap, ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { Construct } from 'constructs';
import { MAILU_API_TOKEN_ENV } from '../model/mailu-api.js';
import { DNS_OPERATOR_WORKLOAD, plainWorkload, type WorkloadPlan } from '../model/workloads.js';
import { emit, type Manifest } from './api.js';
import { containerEnv, emitDisruptionBudget, podMetadata, podScheduling, podSecurity } from './pod-knobs.js';

/**
 * V8 flags the operator runs with. Lite mode (no optimising compiler, smaller code) keeps the
 * operator under 80 MiB RSS; it is idle most of the time, and reconciles stay in milliseconds.
 * --expose-gc lets it collect once after the initial sync (see Operator.start). The benchmark
 * (npm run bench:operator) runs with exactly these flags.
 */
export const OPERATOR_NODE_FLAGS = ['--lite-mode', '--expose-gc'];

/**
 * Memory tuning for the operator process (measured by bench/operator.ts): a small young generation
 * and a capped old one keep the heap near what is live (~20 MiB), two malloc arenas stop glibc
 * from keeping per-thread pools, and large buffers (list responses) are mmapped and trimmed so
 * their memory goes back to the system after the initial sync. Latency stays far inside its budget.
 */
export const OPERATOR_RUNTIME_ENV: Record<string, string> = {
  NODE_OPTIONS: '--max-old-space-size=64 --max-semi-space-size=1',
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '65536',
  MALLOC_TRIM_THRESHOLD_: '131072',
};

export const OPERATOR_CONFIG_DIR = '/etc/mailu-k8s';
export const OPERATOR_CONFIG_FILE = 'config.yaml';

export interface DnsOperatorProps {
  instance: string;
  namespace: string;
  /** Labels for every object (must include the selector labels below). */
  labels: Record<string, string>;
  /** Pod selector labels (name/instance/component); the NetworkPolicies select the pods by them. */
  selectorLabels: Record<string, string>;
  image: string;
  imagePullPolicy?: 'IfNotPresent' | 'Always' | 'Never';
  replicas: number;
  /** What workloads.dnsOperator gives the pods (scheduling, metadata, environment); its replicas win. */
  pod?: WorkloadPlan;
  /** The Mailu config YAML the operator reads; or the name of an existing ConfigMap holding it. */
  config: { yaml: string } | { configMapName: string };
  metricsPort: number;
  resources: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } };
  /** Lease name; the operator uses `<instance>-dns-operator`. */
  leaseName?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Mailu's API token (dns.operator.mailuApi): read from this Secret key into MAILU_API_TOKEN. */
  mailuApiToken?: { name: string; key: string };
}

/** The RBAC rules, exported so tests can check them: exact resources and verbs, nothing else. */
export function operatorRules(leaseName: string): { namespaced: PolicyRule[]; cluster: PolicyRule[] } {
  return {
    namespaced: [
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['externaldns.k8s.io'], resources: ['dnsendpoints'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
      // create cannot be limited by name; reading and renewing can.
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [leaseName], verbs: ['get', 'update'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
    ],
    cluster: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }],
  };
}

export class DnsOperator extends Construct {
  readonly name: string;
  readonly serviceAccountName: string;
  readonly configMapName: string;

  constructor(scope: Construct, id: string, props: DnsOperatorProps) {
    super(scope, id);
    const { instance, namespace, labels } = props;
    const name = `${instance}-dns-operator`;
    // Cluster-scoped names carry the namespace: two Mailu instances must not share a ClusterRole.
    const clusterName = `${namespace}-${instance}-dns-operator-nodes`;
    const leaseName = props.leaseName ?? name;
    const rules = operatorRules(leaseName);
    this.name = name;
    this.serviceAccountName = name;
    this.configMapName = 'yaml' in props.config ? `${name}-config` : props.config.configMapName;

    if ('yaml' in props.config) {
      emit<ConfigMap & Manifest>(this, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: this.configMapName, namespace, labels },
        data: { [OPERATOR_CONFIG_FILE]: props.config.yaml },
      });
    }

    emit<ServiceAccount & Manifest>(this, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, namespace, labels },
      automountServiceAccountToken: false,
    });

    emit<Role & Manifest>(this, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace, labels },
      rules: rules.namespaced,
    });
    emit<RoleBinding & Manifest>(this, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });
    emit<ClusterRole & Manifest>(this, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: clusterName, labels },
      rules: rules.cluster,
    });
    emit<ClusterRoleBinding & Manifest>(this, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: clusterName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    });

    const port = props.metricsPort;
    // Without a plan (a chart of your own): the replicas given, spread over nodes when several.
    const pod = props.pod ?? plainWorkload(instance, DNS_OPERATOR_WORKLOAD, props.replicas);
    const probe = (path: string, period: number) => ({
      httpGet: { path, port: 'metrics' },
      periodSeconds: period,
      timeoutSeconds: 2,
      failureThreshold: 3,
    });
    emit<Deployment & Manifest>(this, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, labels },
      spec: {
        replicas: pod.replicas,
        revisionHistoryLimit: 3,
        selector: { matchLabels: props.selectorLabels },
        // One replica at a time: the standby keeps the caches warm and takes the lease over.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: podMetadata(pod, labels, { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' }),
          spec: {
            serviceAccountName: name,
            // The token is mounted here only, for the one container that talks to the API.
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 30,
            securityContext: podSecurity({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } }, pod),
            // Replicas on different nodes (by default): losing one node must not take both away.
            ...podScheduling(pod),
            containers: [
              {
                name: 'dns-operator',
                image: props.image,
                imagePullPolicy: props.imagePullPolicy ?? 'IfNotPresent',
                // The image's node, with the memory-saving flags below (NODE_OPTIONS cannot carry them).
                command: ['/nodejs/bin/node', ...OPERATOR_NODE_FLAGS, '/app/bin/mailu-k8s.js'],
                args: [
                  'operator',
                  '--config', `${OPERATOR_CONFIG_DIR}/${OPERATOR_CONFIG_FILE}`,
                  '--metrics-port', String(port),
                  '--log-level', props.logLevel ?? 'info',
                ],
                ...containerEnv(
                  pod,
                  [
                    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                    ...Object.entries(OPERATOR_RUNTIME_ENV).map(([name, value]) => ({ name, value })),
                    ...(props.mailuApiToken ? [{ name: MAILU_API_TOKEN_ENV, valueFrom: { secretKeyRef: { name: props.mailuApiToken.name, key: props.mailuApiToken.key } } }] : []),
                  ],
                  [],
                ),
                ports: [{ name: 'metrics', containerPort: port, protocol: 'TCP' }],
                livenessProbe: { ...probe('/healthz', 10), initialDelaySeconds: 5 },
                readinessProbe: probe('/readyz', 5),
                resources: props.resources,
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  capabilities: { drop: ['ALL'] },
                },
                volumeMounts: [{ name: 'config', mountPath: OPERATOR_CONFIG_DIR, readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: this.configMapName, items: [{ key: OPERATOR_CONFIG_FILE, path: OPERATOR_CONFIG_FILE }] } }],
          },
        },
      },
    });
    if (pod.disruptionBudget) emitDisruptionBudget(this, { name, namespace, labels }, props.selectorLabels);
  }
}
