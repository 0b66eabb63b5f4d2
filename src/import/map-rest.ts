// Everything else a values file may set: the chart's per-workload knobs mailu-k8s decides itself
// (probes, security contexts, rollouts, scheduling, extra containers), grouped so each reads as
// one line, and a last line for values the import does not know. Nothing goes unreported.
import type { ImportContext } from './context.js';
import { CHART_COMPONENTS } from './map-components.js';
import { looksSecret } from './map-secrets.js';
import { isEmpty, leafPaths } from './values.js';

const GROUPS: { keys: string[]; why: string }[] = [
  {
    keys: ['livenessProbe', 'readinessProbe', 'startupProbe'],
    why: 'mailu-k8s sets probes from Mailu\'s own health checks and start-up times (the chart\'s ClamAV probe always passes)',
  },
  {
    keys: ['podSecurityContext', 'containerSecurityContext'],
    why: 'Mailu\'s images start as root and drop privileges themselves; mailu-k8s sets seccomp RuntimeDefault and mounts no service-account token',
  },
  {
    keys: ['updateStrategy', 'revisionHistoryLimit', 'terminationGracePeriodSeconds'],
    why: 'mailu-k8s decides rollouts: Recreate wherever there is data (never two writers), and postfix gets 60 s to finish deliveries',
  },
  {
    keys: ['nodeSelector', 'tolerations', 'affinity', 'topologySpreadConstraints', 'priorityClassName', 'schedulerName'],
    why: 'no per-component scheduling keys yet (workloads.* comes with another change); front\'s nodes are exposure.hostPort.nodeSelector, smtp\'s and fetchmail\'s egress.nodeSelector',
  },
  {
    keys: ['podLabels', 'podAnnotations', 'service'],
    why: 'mailu-k8s sets its own labels and annotations; add yours with a kustomize overlay on the output',
  },
  {
    keys: ['initContainers', 'extraEnvVars', 'extraEnvVarsCM', 'extraEnvVarsSecret', 'extraVolumeMounts', 'extraVolumes', 'extraContainers', 'hostAliases'],
    why: 'not supported: add them with a kustomize overlay; Mailu settings go in mailu.env (its tunables only)',
  },
  { keys: ['dnsPolicy', 'dnsConfig'], why: 'every Mailu pod resolves through mailu-k8s\'s DNSSEC-validating resolver' },
  { keys: ['replicaCount'], why: 'one pod per component (two postfix or dovecot on one queue or maildir corrupt it)' },
];

const GLOBAL: [string, string][] = [
  ['tolerations', GROUPS[3]!.why],
  ['affinity', GROUPS[3]!.why],
  ['commonLabels', GROUPS[4]!.why],
  ['commonAnnotations', GROUPS[4]!.why],
  ['global.imagePullSecrets', 'no image pull secrets key yet: add imagePullSecrets with a kustomize patch'],
  ['kubeVersion', 'mailu-k8s writes the same objects for every supported Kubernetes'],
  ['nameOverride', 'used to name the chart\'s claims and Secrets (above)'],
  ['fullnameOverride', 'used to name the chart\'s claims and Secrets (above)'],
];

/** The grouped per-workload knobs: one line per group, "default" when every value in it is empty. */
export function mapRest(ctx: ImportContext): void {
  const { v, report } = ctx;
  for (const g of GROUPS) {
    const paths = Object.keys(CHART_COMPONENTS).flatMap((c) => g.keys.map((k) => `${c}.${k}`)).filter((p) => v.has(p) && !report.covers(p));
    if (paths.length === 0) continue;
    const set = paths.filter((p) => !isEmptyDeep(v.get(p)));
    if (set.length === 0) report.dflt(paths, 'empty');
    else report.unsupported(paths, g.why);
  }
  for (const [p, why] of GLOBAL) {
    if (!v.has(p) || report.covers(p)) continue;
    if (isEmpty(v.get(p)) || p.endsWith('nameOverride')) report.dflt(p, isEmpty(v.get(p)) ? 'empty' : why);
    else report.unsupported(p, why);
  }
  for (const p of leafPaths(v.user)) {
    if (report.covers(p)) continue;
    if (looksSecret(p)) report.secret(p, 'value not copied');
    else if (isEmpty(v.get(p))) report.dflt(p, 'empty');
    else report.unsupported(p, 'not a value the import knows (a key of another chart version, or a typo): not carried over');
  }
}

/** Empty, or a map whose values are all empty (an `enabled: false` block counts as empty too). */
function isEmptyDeep(x: unknown): boolean {
  if (isEmpty(x) || x === false) return true;
  if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
    const m = x as Record<string, unknown>;
    if (m.enabled === false) return true;
    return Object.values(m).every(isEmptyDeep);
  }
  return false;
}
