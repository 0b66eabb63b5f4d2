// Kubernetes API shapes a config carries through to the objects it renders (labels, selectors,
// tolerations, affinity, spread constraints, environment sources, pod security additions). Each is
// typed after the API's own object, with the rules the API server adds on top (operators and their
// values, weights, name syntax), so a mistake is refused here naming the field, not at apply time.
import { z } from 'zod';

const LABEL_KEY_RE = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const SUBDOMAIN_RE = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const labelKey = z.string().regex(LABEL_KEY_RE, { message: 'not a valid label key' });
export const labelValue = z.string().regex(LABEL_VALUE_RE, { message: 'not a valid label value' });
export const labelMap = z.record(labelKey, labelValue);
/** Annotations whose keys are passed through as written (provider annotations, ingress options). */
export const annotations = z.record(z.string(), z.string());
/** Annotations with keys checked as the API server checks them (a qualified name). */
export const annotationMap = z.record(z.string().regex(LABEL_KEY_RE, { message: 'not a valid annotation key' }), z.string());

/** A name of a namespaced object (Secret, ConfigMap, PriorityClass): a DNS subdomain. */
export const objectName = (what: string) =>
  z.string().regex(SUBDOMAIN_RE, { message: `not a valid ${what} name (lower-case letters, digits, "-" and ".")` });
const namespaceName = z.string().regex(DNS_LABEL_RE, { message: 'not a valid namespace (lower-case DNS label, max 63 chars)' });

/**
 * Marks a schema as a Kubernetes API object passed through whole: the README documents it as one
 * key with a pointer to the Kubernetes reference rather than every nested field.
 */
export const KUBERNETES_API_META = 'kubernetesApi';
const apiObject = <T extends z.ZodType>(schema: T, type: string): T =>
  schema.meta({ [KUBERNETES_API_META]: type, description: `Kubernetes ${type}` });

// ---------------------------------------------------------------- selectors

type Requirement = { operator: string; values?: string[] | undefined };

/** The API server's rule for an operator and its values (label and node selectors alike). */
function requirementValues(r: Requirement, ctx: z.core.$RefinementCtx): void {
  const n = r.values?.length ?? 0;
  const issue = (message: string) => ctx.addIssue({ code: 'custom', path: ['values'], message });
  if ((r.operator === 'In' || r.operator === 'NotIn') && n === 0) issue(`must list at least one value with operator ${r.operator}`);
  if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && n > 0) issue(`must be empty with operator ${r.operator}`);
  if ((r.operator === 'Gt' || r.operator === 'Lt') && (n !== 1 || !/^-?\d+$/.test(r.values![0]!))) {
    issue(`must be exactly one whole number with operator ${r.operator}`);
  }
}

const labelSelectorRequirement = z
  .strictObject({ key: labelKey, operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']), values: z.array(labelValue).optional() })
  .superRefine(requirementValues);

export const labelSelector = apiObject(
  z.strictObject({ matchLabels: labelMap.optional(), matchExpressions: z.array(labelSelectorRequirement).optional() }),
  'LabelSelector',
);
export type LabelSelector = z.output<typeof labelSelector>;

const nodeSelectorRequirement = z
  .strictObject({
    key: labelKey,
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']),
    values: z.array(labelValue).optional(),
  })
  .superRefine(requirementValues);

// matchFields selects by the node object's fields; the API supports metadata.name only.
const nodeFieldRequirement = z
  .strictObject({ key: z.literal('metadata.name'), operator: z.enum(['In', 'NotIn']), values: z.array(z.string().min(1)).length(1) });

const nodeSelectorTerm = z.strictObject({
  matchExpressions: z.array(nodeSelectorRequirement).optional(),
  matchFields: z.array(nodeFieldRequirement).optional(),
});

const weight = z.number().int().min(1).max(100);

const nodeAffinity = z.strictObject({
  requiredDuringSchedulingIgnoredDuringExecution: z.strictObject({ nodeSelectorTerms: z.array(nodeSelectorTerm).min(1) }).optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(z.strictObject({ weight, preference: nodeSelectorTerm })).optional(),
});

const podAffinityTerm = z.strictObject({
  labelSelector: labelSelector.optional(),
  namespaceSelector: labelSelector.optional(),
  namespaces: z.array(namespaceName).optional(),
  topologyKey: labelKey,
  matchLabelKeys: z.array(labelKey).optional(),
  mismatchLabelKeys: z.array(labelKey).optional(),
});

const podAffinity = z.strictObject({
  requiredDuringSchedulingIgnoredDuringExecution: z.array(podAffinityTerm).optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(z.strictObject({ weight, podAffinityTerm })).optional(),
});

/** Kubernetes' Affinity: node affinity, pod affinity and pod anti-affinity. */
export const affinity = apiObject(
  z.strictObject({ nodeAffinity: nodeAffinity.optional(), podAffinity: podAffinity.optional(), podAntiAffinity: podAffinity.optional() }),
  'Affinity',
);
export type Affinity = z.output<typeof affinity>;

// ---------------------------------------------------------------- scheduling

export const toleration = z
  .strictObject({
    key: labelKey.optional(),
    operator: z.enum(['Equal', 'Exists']).optional(),
    value: labelValue.optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
    tolerationSeconds: z.number().int().optional(),
  })
  .superRefine((t, ctx) => {
    const exists = t.operator === 'Exists';
    if (t.key === undefined && !exists) ctx.addIssue({ code: 'custom', path: ['operator'], message: 'must be Exists when key is empty (a toleration of every taint)' });
    if (exists && t.value) ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be empty with operator Exists' });
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      ctx.addIssue({ code: 'custom', path: ['tolerationSeconds'], message: 'only applies to effect NoExecute' });
    }
  });
export type Toleration = z.output<typeof toleration>;

export const topologySpreadConstraint = z
  .strictObject({
    maxSkew: z.number().int().min(1),
    topologyKey: labelKey,
    whenUnsatisfiable: z.enum(['DoNotSchedule', 'ScheduleAnyway']),
    /** Default: the workload's own pods. */
    labelSelector: labelSelector.optional(),
    minDomains: z.number().int().min(1).optional(),
    nodeAffinityPolicy: z.enum(['Honor', 'Ignore']).optional(),
    nodeTaintsPolicy: z.enum(['Honor', 'Ignore']).optional(),
    matchLabelKeys: z.array(labelKey).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.minDomains !== undefined && c.whenUnsatisfiable !== 'DoNotSchedule') {
      ctx.addIssue({ code: 'custom', path: ['minDomains'], message: 'only applies with whenUnsatisfiable: DoNotSchedule' });
    }
  });
export type TopologySpreadConstraint = z.output<typeof topologySpreadConstraint>;

// ---------------------------------------------------------------- environment

const CONFIG_KEY_RE = /^[-._a-zA-Z0-9]+$/;
const keyRef = (what: string) =>
  z.strictObject({
    name: objectName(what),
    key: z.string().regex(CONFIG_KEY_RE, { message: `not a valid ${what} key (letters, digits, "-", "_" and ".")` }),
    optional: z.boolean().optional(),
  });

/** An environment variable's name (a C identifier: what shells and Mailu's templates read). */
export const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'not an environment variable name (letters, digits and "_", not starting with a digit)' });

/** A value written as is (numbers and booleans as text), or a key of a Secret or ConfigMap. */
export const envSource = z.union(
  [
    z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v)),
    z.strictObject({ secretKeyRef: keyRef('Secret') }),
    z.strictObject({ configMapKeyRef: keyRef('ConfigMap') }),
  ],
  { error: 'must be a value (text, a number or true/false), {secretKeyRef: {name, key}} or {configMapKeyRef: {name, key}}' },
);
export type EnvSource = z.output<typeof envSource>;

const envPrefix = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'not a variable name prefix' }).optional();
const sourceRef = (what: string) => z.strictObject({ name: objectName(what), optional: z.boolean().optional() });

/** Every key of a ConfigMap or Secret as a variable (optionally prefixed). */
export const envFromSource = z.union(
  [
    z.strictObject({ configMapRef: sourceRef('ConfigMap'), prefix: envPrefix }),
    z.strictObject({ secretRef: sourceRef('Secret'), prefix: envPrefix }),
  ],
  { error: 'must be {configMapRef: {name}} or {secretRef: {name}} (with an optional prefix)' },
);
export type EnvFromSource = z.output<typeof envFromSource>;

// ---------------------------------------------------------------- pod security additions

/** Kubernetes' "safe" sysctls: namespaced to the pod and allowed by every kubelet and by Pod Security baseline. */
export const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ping_group_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_fin_timeout',
] as const;

const sysctl = z
  .strictObject({ name: z.string().min(1), value: z.string() })
  .superRefine((s, ctx) => {
    if (!(SAFE_SYSCTLS as readonly string[]).includes(s.name)) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: `is not one of Kubernetes' safe sysctls (${SAFE_SYSCTLS.join(', ')}); others need a kubelet allow-list and reach beyond the pod` });
    }
    if (s.name === 'net.ipv4.tcp_syncookies' && s.value.trim() === '0') {
      ctx.addIssue({ code: 'custom', path: ['value'], message: '0 switches off SYN cookies, front\'s protection against SYN floods' });
    }
  });

/** A seccomp or AppArmor profile that confines at least as much as the runtime's default. */
const confinement = (what: string) =>
  z
    .strictObject({ type: z.enum(['RuntimeDefault', 'Localhost', 'Unconfined']), localhostProfile: z.string().min(1).optional() })
    .superRefine((p, ctx) => {
      if (p.type === 'Unconfined') ctx.addIssue({ code: 'custom', path: ['type'], message: `Unconfined switches ${what} off; every pod runs with RuntimeDefault unless you name a Localhost profile` });
      if (p.type === 'Localhost' && !p.localhostProfile) ctx.addIssue({ code: 'custom', path: ['localhostProfile'], message: 'is required with type Localhost' });
      if (p.type !== 'Localhost' && p.localhostProfile) ctx.addIssue({ code: 'custom', path: ['localhostProfile'], message: 'only applies to type Localhost' });
    });

const refused = (why: string) => z.never({ error: why }).optional();
const RUNS_AS =
  'is refused: Mailu\'s images start as root and drop privileges themselves (they chown their volumes and bind their ports first), and the DNS operator already runs as an unprivileged user';
const NO_PRIVILEGE = 'is refused: nothing mailu-k8s runs needs more privilege than its image starts with';

/**
 * Pod security settings a config may add. Only additions that confine a pod further, or give its
 * volumes a group, are offered; anything that would change the user an image starts as or grant
 * privileges is refused with the reason (see the README's workloads section).
 */
export const podSecurityAdditions = z.strictObject({
  seccompProfile: confinement('seccomp').optional(),
  appArmorProfile: confinement('AppArmor').optional(),
  seLinuxOptions: z
    .strictObject({ user: z.string().optional(), role: z.string().optional(), type: z.string().optional(), level: z.string().optional() })
    .optional(),
  supplementalGroups: z.array(z.number().int().min(0).max(2147483647)).optional(),
  fsGroup: z.number().int().min(0).max(2147483647).optional(),
  fsGroupChangePolicy: z.enum(['Always', 'OnRootMismatch']).optional(),
  sysctls: z.array(sysctl).optional(),
  runAsUser: refused(RUNS_AS),
  runAsGroup: refused(RUNS_AS),
  runAsNonRoot: refused(RUNS_AS),
  privileged: refused(NO_PRIVILEGE),
  capabilities: refused(NO_PRIVILEGE),
  allowPrivilegeEscalation: refused(NO_PRIVILEGE),
  readOnlyRootFilesystem: refused('is refused: Mailu\'s images write their configuration from templates at start-up'),
});
export type PodSecurityAdditions = z.output<typeof podSecurityAdditions>;

// ---------------------------------------------------------------- images

/** Any part of an image reference; the rest keeps the component's default. */
export const imageParts = z.strictObject({
  /** Host[:port][/path], e.g. ghcr.io/mailu or registry.example.com:5000/mirror. */
  registry: z
    .string()
    .regex(/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?(:\d{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, { message: 'not a registry (host[:port][/path])' })
    .optional(),
  repository: z.string().regex(/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/, { message: 'not a repository path (lower-case, "/"-separated)' }).optional(),
  tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { message: 'not a valid image tag' }).optional(),
  /** Pins the image by content: sha256:<64 hex digits>. */
  digest: z.string().regex(/^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/, { message: 'not a digest (sha256: and 64 lower-case hex digits)' }).optional(),
});
export type ImageParts = z.output<typeof imageParts>;

/** An image pull Secret: its name, or the Kubernetes form {name}. */
export const pullSecret = z
  .union([objectName('Secret'), z.strictObject({ name: objectName('Secret') })], { error: 'must be a Secret name or {name: <Secret name>}' })
  .transform((s) => (typeof s === 'string' ? s : s.name));
