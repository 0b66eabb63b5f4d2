// The production knobs of every pod (workloads.*) and Service (services.*), decided once: merged
// field by field over workloads.default, with the replicas each component can really run, the
// default spread and disruption budget when there are several, and the checks that keep a knob
// from reaching a decision mailu-k8s makes from a typed field (trust, wiring, protections).
import type { ConfigIssue } from '../config/errors.js';
import type { Affinity, EnvFromSource, EnvSource, PodSecurityAdditions, Toleration, TopologySpreadConstraint } from '../config/kube-shapes.js';
import { classifyMailuVersion } from '../config/mailu-version.js';
import type { ComponentName, MailuConfig } from '../config/schema.js';
import { DEFAULT_WORKLOAD, DNS_OPERATOR_WORKLOAD, FRONT_PUBLIC_SERVICE, type ServiceSpec, type WorkloadSpec } from '../config/workloads.js';
import { enabledComponents } from './components.js';
import { decideEgress } from './egress.js';
import { MAILU_IMAGES } from './env.js';
import { envPolicyIssues, type EnvInput } from './env-policy.js';
import { OPERATOR_POD } from './flows.js';
import { selectorLabels } from './labels.js';

export { DNS_OPERATOR_WORKLOAD, FRONT_PUBLIC_SERVICE };
export type WorkloadName = ComponentName | typeof DNS_OPERATOR_WORKLOAD;
export type ServiceName = ComponentName | typeof FRONT_PUBLIC_SERVICE;

/** A variable of one container: a value, or a key of a Secret or ConfigMap (Kubernetes' EnvVar). */
export type PodEnvVar =
  | { name: string; value: string }
  | { name: string; valueFrom: { secretKeyRef: KeyRef } | { configMapKeyRef: KeyRef } };
interface KeyRef {
  name: string;
  key: string;
  optional?: boolean | undefined;
}

/** Everything a workload's pods get from workloads.*, ready to render. */
export interface WorkloadPlan {
  name: WorkloadName;
  replicas: number;
  /** More than one replica: a PodDisruptionBudget lets a drain take only one at a time. */
  disruptionBudget: boolean;
  /** Pods of the workload as its selector sees them (for spread constraints without a selector). */
  selector: Record<string, string>;
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
  affinity?: Affinity;
  topologySpreadConstraints: TopologySpreadConstraint[];
  priorityClassName?: string;
  podAnnotations: Record<string, string>;
  podLabels: Record<string, string>;
  imagePullSecrets: string[];
  env: PodEnvVar[];
  envFrom: EnvFromSource[];
  /** Additions to the pod's securityContext (over mailu-k8s's own seccomp default). */
  securityContext: PodSecurityAdditions;
}

// ---------------------------------------------------------------- merging

const mergeMaps = <T>(a?: Record<string, T>, b?: Record<string, T>): Record<string, T> => ({ ...a, ...b });

/**
 * workloads.default ⊕ workloads.<name>. Maps (nodeSelector, podAnnotations, podLabels, env) merge
 * key by key; affinity by kind (nodeAffinity, podAffinity, podAntiAffinity) and securityContext by
 * field; every other field (the lists, priorityClassName, image, replicas) is replaced whole, so a
 * component can drop a default toleration.
 */
export function mergedSpec(config: MailuConfig, name: WorkloadName): WorkloadSpec {
  const d: WorkloadSpec = config.workloads[DEFAULT_WORKLOAD] ?? {};
  const c: WorkloadSpec = config.workloads[name] ?? {};
  const out: WorkloadSpec = { ...d, ...c };
  for (const key of ['nodeSelector', 'podAnnotations', 'podLabels', 'env'] as const) {
    if (d[key] || c[key]) (out as Record<string, unknown>)[key] = mergeMaps<unknown>(d[key], c[key]);
  }
  if (d.affinity || c.affinity) out.affinity = { ...d.affinity, ...c.affinity };
  if (d.securityContext || c.securityContext) out.securityContext = { ...d.securityContext, ...c.securityContext };
  return out;
}

// ---------------------------------------------------------------- replicas

/** Why a component runs exactly one pod. */
const SINGLE_REPLICA: Partial<Record<WorkloadName, string>> = {
  admin: 'admin keeps the DKIM keys (and, with database.type sqlite, the database) on its volume and migrates the database at start: one pod',
  smtp: 'postfix\'s queue is on its volume: two postfix processes on one queue corrupt it',
  imap: 'the mailboxes and their indexes are on its volume: two dovecot instances on one maildir corrupt the indexes',
  antispam: 'rspamd\'s learned data (Bayes, fuzzy hashes) is on its volume: one writer',
  antivirus: 'freshclam updates the signature database on its volume: one writer',
  webdav: 'Radicale keeps calendars and contacts as files on its volume: one writer',
  fetchmail: 'two would fetch every remote mailbox twice',
  redis: 'the bundled Redis is one instance with its data on its volume (no replication); use redis.mode external for a replicated Redis',
};

/** Replica ranges of the components that can run several, with their defaults. */
const REPLICA_RANGE: Partial<Record<WorkloadName, { min: number; max: number; dflt: number }>> = {
  front: { min: 1, max: 10, dflt: 1 },
  webmail: { min: 1, max: 10, dflt: 1 },
  oletools: { min: 1, max: 10, dflt: 1 },
  tika: { min: 1, max: 10, dflt: 1 },
  // Every Mailu pod's only nameserver: never one.
  resolver: { min: 2, max: 9, dflt: 2 },
  // Leader election: a standby takes over within the lease duration.
  dnsOperator: { min: 1, max: 5, dflt: 2 },
};

/** The older key that also sets a workload's replicas, with its value when set. */
function olderReplicasKey(config: MailuConfig, name: WorkloadName): { path: string; value: number | undefined } | undefined {
  const x = config.exposure;
  if (name === 'front' && x.mode === 'loadBalancer') return { path: 'exposure.loadBalancer.replicas', value: x.loadBalancer.replicas };
  if (name === 'front' && x.mode === 'traefik') return { path: 'exposure.traefik.replicas', value: x.traefik.replicas };
  if (name === 'resolver') return { path: 'resolver.replicas', value: config.resolver.replicas };
  if (name === DNS_OPERATOR_WORKLOAD) return { path: 'dns.operator.replicas', value: config.dns.operator.replicas };
  return undefined;
}

/** The replicas a workload runs: workloads.<name>.replicas, else its older key, else the default. */
export function replicasOf(config: MailuConfig, name: WorkloadName): number {
  return config.workloads[name]?.replicas ?? olderReplicasKey(config, name)?.value ?? REPLICA_RANGE[name]?.dflt ?? 1;
}

function replicaIssues(config: MailuConfig, name: WorkloadName): ConfigIssue[] {
  const set = config.workloads[name]?.replicas;
  const older = olderReplicasKey(config, name);
  const path = `workloads.${name}.replicas`;
  const out: ConfigIssue[] = [];
  if (set !== undefined && older?.value !== undefined) {
    out.push({ path, message: `and ${older.path} both set the replica count; keep ${path} (${older.path} is its older spelling)` });
  }
  const n = replicasOf(config, name);
  const single = SINGLE_REPLICA[name];
  const range = REPLICA_RANGE[name];
  if (n > 1 && single) out.push({ path, message: `${name} runs one pod: ${single}` });
  if (range && (n < range.min || n > range.max)) out.push({ path, message: `must be from ${range.min} to ${range.max} for ${name}` });
  if (n > 1) out.push(...multiReplicaIssues(config, name, path));
  return out;
}

/** Conditions under which a component that can run several pods still cannot. */
function multiReplicaIssues(config: MailuConfig, name: WorkloadName, path: string): ConfigIssue[] {
  const x = config.exposure;
  if (name === 'front' && x.mode === 'hostPort') {
    return [{ path, message: 'front binds host ports with exposure.mode hostPort: one pod (replaced, never doubled, so two never compete for the ports), or one per node with exposure.hostPort.daemonSet: true' }];
  }
  if (name !== 'webmail') return [];
  const out: ConfigIssue[] = [];
  if (config.components.webmail === 'roundcube' && config.database.type === 'sqlite') {
    out.push({ path, message: 'Roundcube keeps its SQLite database on webmail\'s volume (one writer); several webmail pods need database.type postgresql, mysql or cnpg' });
  }
  if (config.storage.mode === 'perComponent') {
    out.push({ path, message: 'webmail\'s data is on a ReadWriteOnce claim with storage.mode perComponent, which pods on different nodes cannot share; use storage.mode shared (ReadWriteMany)' });
  }
  return out;
}

/** Several pods of a workload may run side by side (its data, if any, is shared safely). */
export function runsSideBySide(config: MailuConfig, name: WorkloadName): boolean {
  return replicasOf(config, name) > 1 && !SINGLE_REPLICA[name];
}

// ---------------------------------------------------------------- the plan

/** Selector labels of a workload's pods. */
export function workloadSelector(instance: string, name: WorkloadName): Record<string, string> {
  return selectorLabels(instance, name === DNS_OPERATOR_WORKLOAD ? OPERATOR_POD : name);
}

/** The one default spread: over nodes, as a preference, so a single node still runs every pod. */
export function spreadOverNodes(selector: Record<string, string>): TopologySpreadConstraint {
  return { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } };
}

/** Node labels a workload must run on whatever workloads.* says (front's MX nodes, the senders). */
export function requiredNodeSelector(config: MailuConfig, name: WorkloadName): { path: string; labels: Record<string, string> } | undefined {
  const x = config.exposure;
  if (name === 'front' && x.mode === 'hostPort') return { path: 'exposure.hostPort.nodeSelector', labels: x.hostPort.nodeSelector };
  if (name === 'smtp' || name === 'fetchmail') return { path: 'egress.nodeSelector', labels: decideEgress(config).senderNodeSelector };
  return undefined;
}

function podEnv(env: Record<string, EnvSource>): PodEnvVar[] {
  return Object.entries(env).map(([name, v]) => (typeof v === 'string' ? { name, value: v } : { name, valueFrom: v }));
}

export function decideWorkload(config: MailuConfig, name: WorkloadName): WorkloadPlan {
  const spec = mergedSpec(config, name);
  const replicas = replicasOf(config, name);
  const selector = workloadSelector(config.instance, name);
  const spread = spec.topologySpreadConstraints?.map((t) => (t.labelSelector ? t : { ...t, labelSelector: { matchLabels: selector } }));
  return {
    name,
    replicas,
    disruptionBudget: replicas > 1,
    selector,
    nodeSelector: { ...spec.nodeSelector, ...requiredNodeSelector(config, name)?.labels },
    tolerations: spec.tolerations ?? [],
    ...(spec.affinity && Object.keys(spec.affinity).length > 0 ? { affinity: spec.affinity } : {}),
    topologySpreadConstraints: spread ?? (replicas > 1 ? [spreadOverNodes(selector)] : []),
    ...(spec.priorityClassName ? { priorityClassName: spec.priorityClassName } : {}),
    podAnnotations: spec.podAnnotations ?? {},
    podLabels: spec.podLabels ?? {},
    imagePullSecrets: spec.imagePullSecrets ?? [],
    env: podEnv(spec.env ?? {}),
    envFrom: spec.envFrom ?? [],
    securityContext: spec.securityContext ?? {},
  };
}

/** A workload no workloads.* entry touches (a chart of your own): its replicas, spread when several. */
export function plainWorkload(instance: string, name: WorkloadName, replicas = REPLICA_RANGE[name]?.dflt ?? 1): WorkloadPlan {
  const selector = workloadSelector(instance, name);
  return {
    name,
    replicas,
    disruptionBudget: replicas > 1,
    selector,
    nodeSelector: {},
    tolerations: [],
    topologySpreadConstraints: replicas > 1 ? [spreadOverNodes(selector)] : [],
    podAnnotations: {},
    podLabels: {},
    imagePullSecrets: [],
    env: [],
    envFrom: [],
    securityContext: {},
  };
}

/** The labels and annotations workloads.* adds to a Service. */
export function serviceMetadata(config: MailuConfig, name: ServiceName): Required<ServiceSpec> {
  const s = config.services[name] ?? {};
  const lb = name === FRONT_PUBLIC_SERVICE && config.exposure.mode === 'loadBalancer' ? config.exposure.loadBalancer.annotations : {};
  return { labels: s.labels ?? {}, annotations: { ...lb, ...s.annotations } };
}

// ---------------------------------------------------------------- checks

/** Labels mailu-k8s puts on every object: selectors and NetworkPolicies depend on them. */
const OWNED_LABELS = ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component', 'app.kubernetes.io/part-of', 'app.kubernetes.io/managed-by'];

/** Pod annotation prefixes mailu-k8s sets from typed fields. */
function ownedAnnotationPrefixes(config: MailuConfig): [string, string][] {
  return [
    ['mailu-k8s.io/', 'mailu-k8s\'s own (e.g. the environment checksum that rolls pods)'],
    ['backup.velero.io/', 'set from backup.volumes (which volumes Velero copies)'],
    ['pre.hook.backup.velero.io/', 'set from backup (the consistent-copy hooks)'],
    ['post.hook.backup.velero.io/', 'set from backup (the consistent-copy hooks)'],
    [config.dns.externalDns.annotationPrefix, 'external-dns would publish DNS records from it; the records come from dns.*'],
  ];
}

/** Variables the chart sets on the DNS operator's container (identity, API access, memory tuning). */
export const OPERATOR_OWNED_ENV = /^(POD_NAME|POD_NAMESPACE|NODE_OPTIONS|MALLOC_.*|KUBERNETES_.*|MAILU_API_TOKEN)$/;

function runs(config: MailuConfig, name: WorkloadName): boolean {
  return name === DNS_OPERATOR_WORKLOAD ? config.dns.operator.enabled : enabledComponents(config).includes(name);
}

/** Which env rules apply to an entry of workloads (default reaches every image, Mailu's included). */
function envIssues(config: MailuConfig, key: string, spec: WorkloadSpec): ConfigIssue[] {
  const env = spec.env ?? {};
  const path = `workloads.${key}.env`;
  const input: Record<string, EnvInput> = Object.fromEntries(
    Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : { from: 'secretKeyRef' in v ? 'secret' : 'configMap' }]),
  );
  const anyName = key !== DEFAULT_WORKLOAD && !(MAILU_IMAGES as readonly string[]).includes(key);
  const out = envPolicyIssues(input, { path, perPod: true, anyName });
  if (key === DEFAULT_WORKLOAD || key === DNS_OPERATOR_WORKLOAD) {
    for (const name of Object.keys(env).filter((n) => OPERATOR_OWNED_ENV.test(n))) {
      if (!out.some((i) => i.path === `${path}.${name}`)) out.push({ path: `${path}.${name}`, message: 'is set by mailu-k8s on the DNS operator (its identity, API access and memory tuning)' });
    }
  }
  return out;
}

function metadataIssues(config: MailuConfig, key: string, spec: WorkloadSpec): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const label of Object.keys(spec.podLabels ?? {}).filter((l) => OWNED_LABELS.includes(l))) {
    out.push({ path: `workloads.${key}.podLabels.${label}`, message: 'is set by mailu-k8s: Services, PodDisruptionBudgets and NetworkPolicies select pods by it' });
  }
  for (const a of Object.keys(spec.podAnnotations ?? {})) {
    const owned = ownedAnnotationPrefixes(config).find(([prefix]) => a.startsWith(prefix));
    if (owned) out.push({ path: `workloads.${key}.podAnnotations.${a}`, message: `is set by mailu-k8s: ${owned[1]}` });
  }
  return out;
}

/** A node label workloads.* sets differently from the field that pins the workload to its nodes. */
function nodeSelectorIssues(config: MailuConfig, name: WorkloadName): ConfigIssue[] {
  const required = requiredNodeSelector(config, name);
  if (!required) return [];
  const out: ConfigIssue[] = [];
  for (const [label, value] of Object.entries(required.labels)) {
    const own = config.workloads[name]?.nodeSelector?.[label];
    const from = own !== undefined ? name : DEFAULT_WORKLOAD;
    const given = own ?? config.workloads[DEFAULT_WORKLOAD]?.nodeSelector?.[label];
    if (given !== undefined && given !== value) {
      out.push({ path: `workloads.${from}.nodeSelector.${label}`, message: `conflicts with ${required.path} (${label}: ${value}), which decides where ${name} runs; add labels to narrow it, not to move it` });
    }
  }
  return out;
}

/** A Mailu image pinned to another tag must still be a Mailu release mailu-k8s renders for. */
function imageIssues(config: MailuConfig, name: WorkloadName, spec: WorkloadSpec): CheckResult {
  const tag = spec.image?.tag;
  const res: CheckResult = { errors: [], warnings: [] };
  const mailuImage = (MAILU_IMAGES as readonly string[]).includes(name) || name === 'resolver';
  if (!tag || !mailuImage || spec.image?.digest) return res;
  const verdict = classifyMailuVersion(tag);
  const path = `workloads.${name}.image.tag`;
  if (verdict.kind === 'unsupported' && !config.mailu.allowUntestedVersion) res.errors.push({ path, message: verdict.reason });
  else if (tag !== config.mailu.version) {
    res.warnings.push(`${path}: ${name} runs Mailu ${tag} while the others run ${config.mailu.version}; Mailu's images are released together, so mixing releases is for a short upgrade test only`);
  }
  return res;
}

function envFromWarnings(key: string, spec: WorkloadSpec): string[] {
  return (spec.envFrom ?? []).map((s, i) => {
    const what = 'configMapRef' in s ? `ConfigMap ${s.configMapRef.name}` : `Secret ${s.secretRef.name}`;
    return `workloads.${key}.envFrom[${i}]: the variables in ${what} cannot be checked; mailu-k8s's own settings still win over them (its ConfigMap comes last, env over envFrom), but one it does not set (RELAYNETS, DEBUG, PROXY_AUTH_*) would reach the pods unrefused: keep trust settings out of it`;
  });
}

function serviceIssues(config: MailuConfig): CheckResult {
  const res: CheckResult = { errors: [], warnings: [] };
  for (const [key, spec] of Object.entries(config.services)) {
    if (!spec) continue;
    if (key === 'fetchmail') res.errors.push({ path: 'services.fetchmail', message: 'fetchmail has no Service (it listens on nothing)' });
    else if (key === FRONT_PUBLIC_SERVICE ? config.exposure.mode === 'hostPort' : !runs(config, key as WorkloadName)) {
      res.warnings.push(`services.${key}: ${key === FRONT_PUBLIC_SERVICE ? 'exposure.mode hostPort has no front-public Service' : `${key} does not run with this config`}; the settings have no effect`);
    }
    for (const label of Object.keys(spec.labels ?? {}).filter((l) => OWNED_LABELS.includes(l))) {
      res.errors.push({ path: `services.${key}.labels.${label}`, message: 'is set by mailu-k8s on every object it writes' });
    }
  }
  const x = config.exposure;
  const extra = config.services[FRONT_PUBLIC_SERVICE]?.annotations ?? {};
  if (x.mode === 'loadBalancer') {
    for (const [k, v] of Object.entries(extra)) {
      if (x.loadBalancer.annotations[k] !== undefined && x.loadBalancer.annotations[k] !== v) {
        res.errors.push({ path: `services.${FRONT_PUBLIC_SERVICE}.annotations.${k}`, message: `exposure.loadBalancer.annotations sets it to "${x.loadBalancer.annotations[k]}"; set it in one place` });
      }
    }
  }
  return res;
}

export interface CheckResult {
  errors: ConfigIssue[];
  warnings: string[];
}

/** Every workloads.* and services.* problem (errors) and risk (warnings). */
export function workloadChecks(config: MailuConfig): CheckResult {
  const res: CheckResult = { errors: [], warnings: [] };
  for (const [key, spec] of Object.entries(config.workloads)) {
    if (!spec) continue;
    if (key !== DEFAULT_WORKLOAD && !runs(config, key as WorkloadName)) {
      res.warnings.push(`workloads.${key}: ${key === DNS_OPERATOR_WORKLOAD ? 'dns.operator.enabled is false' : `${key} does not run with this config`}; the settings have no effect`);
    }
    res.errors.push(...envIssues(config, key, spec), ...metadataIssues(config, key, spec));
    res.warnings.push(...envFromWarnings(key, spec));
    if (key !== DEFAULT_WORKLOAD) {
      const img = imageIssues(config, key as WorkloadName, spec);
      res.errors.push(...img.errors);
      res.warnings.push(...img.warnings);
    }
  }
  const names: WorkloadName[] = [...enabledComponents(config), ...(config.dns.operator.enabled ? [DNS_OPERATOR_WORKLOAD as WorkloadName] : [])];
  for (const name of names) res.errors.push(...replicaIssues(config, name), ...nodeSelectorIssues(config, name));
  if (replicasOf(config, 'webmail') > 1 && config.storage.mode === 'helmChart' && runs(config, 'webmail')) {
    res.warnings.push('workloads.webmail.replicas: several webmail pods share the Helm chart\'s claim; it must be ReadWriteMany, or pods on other nodes cannot start');
  }
  const svc = serviceIssues(config);
  res.errors.push(...svc.errors);
  res.warnings.push(...svc.warnings);
  return res;
}
