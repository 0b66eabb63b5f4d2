// Where each component's data lives: which claim, which folder of it, mounted where. A component
// named in storage.existingClaims uses that claim, with the perComponent folders. Three plans:
//   perComponent  a new ReadWriteOnce claim per component, folders named by us;
//   shared        one new ReadWriteMany claim, a folder per component (<component>/<folder>);
//   helmChart     the official Mailu Helm chart's existing claim(s) with the chart's own folders,
//                 so a Helm install's mailboxes, queue, DKIM keys and rspamd data are used in
//                 place. Components the chart kept elsewhere (ClamAV's signatures on its own
//                 StatefulSet claim, the Bitnami Redis) get a new claim of their own.
import type { VolumeMount } from 'kubernetes-types/core/v1.js';
import type { ComponentName } from '../config/schema.js';
import { HELM_CHART_COMPONENTS, type HelmChartDataComponent } from '../config/helm-chart-claims.js';

export interface DataMount {
  /** Folder inside the component's volume (perComponent; prefixed with the component in shared mode). */
  subPath: string;
  mountPath: string;
}

export interface StoragePlan {
  mode: 'perComponent' | 'shared' | 'helmChart';
  storageClass?: string;
  /** Size of each new per-component claim. */
  sizes: Partial<Record<ComponentName, string>>;
  /** shared: the single RWX claim's name. */
  sharedClaim?: string;
  /** helmChart: the chart's existing claim per component; a component not listed gets a new claim. */
  helmChartClaims?: Partial<Record<ComponentName, string>>;
  /** Claims the user already has (storage.existingClaims): used with our folder layout, none created. */
  existingClaims?: Partial<Record<ComponentName, string>>;
  /** StorageClass per component for the claims we create (storage.classes), over storageClass. */
  classes?: Partial<Record<ComponentName, string>>;
  /** Annotations on every claim we create (storage.annotations). */
  annotations?: Record<string, string>;
}

/** The StorageClass of the claim we create for a component, if one is chosen. */
export function claimClass(plan: StoragePlan, component: ComponentName): string | undefined {
  return plan.classes?.[component] ?? plan.storageClass;
}

/**
 * The chart's folders (subPath) on its claim for each of our components, by mount path: read from
 * the chart's workload templates (chart 2.x, Mailu 2024.06). The mount paths are the same as
 * ours; the chart also mounts rspamd's local maps folder, which is kept so nothing on it is lost.
 */
export const HELM_CHART_LAYOUT: Readonly<Record<HelmChartDataComponent, readonly DataMount[]>> = {
  admin: [
    { subPath: 'admin', mountPath: '/data' },
    { subPath: 'dkim', mountPath: '/dkim' },
  ],
  imap: [
    { subPath: 'dovecotdata', mountPath: '/data' },
    { subPath: 'dovecotmail', mountPath: '/mail' },
  ],
  smtp: [{ subPath: 'mailqueue', mountPath: '/queue' }],
  antispam: [
    { subPath: 'rspamd', mountPath: '/var/lib/rspamd' },
    { subPath: 'rspamd-local.d-maps.d', mountPath: '/etc/rspamd/local.d/maps.d' },
  ],
  webmail: [{ subPath: 'webmail', mountPath: '/data' }],
  webdav: [{ subPath: 'webdav', mountPath: '/data' }],
  fetchmail: [{ subPath: 'fetchmail', mountPath: '/data' }],
};

const isChartComponent = (c: ComponentName): c is HelmChartDataComponent => c in HELM_CHART_COMPONENTS;

/** helmChart mode: every chart-data component on one claim, or the per-component claims given. */
export function helmChartClaims(spec: { claimName?: string; claims?: Partial<Record<HelmChartDataComponent, string>> }): Partial<Record<ComponentName, string>> {
  if (spec.claimName !== undefined) {
    const name = spec.claimName;
    return Object.fromEntries(Object.keys(HELM_CHART_COMPONENTS).map((c) => [c, name]));
  }
  return Object.fromEntries(Object.entries(spec.claims ?? {}).filter(([, v]) => v !== undefined));
}

export interface DataVolume {
  claimName: string;
  /** A claim mailu-k8s creates (false: it exists already, shared or the chart's). */
  newClaim: boolean;
  mounts: VolumeMount[];
}

/** The claim and mounts for one component's data under the plan. */
export function planDataVolume(plan: StoragePlan, component: ComponentName, objectName: string, data: readonly DataMount[]): DataVolume {
  // A claim of the user's (a previous install's): our own folder layout, as a new claim would have.
  const existing = plan.existingClaims?.[component];
  if (existing !== undefined) {
    return { claimName: existing, newClaim: false, mounts: data.map((d) => ({ name: 'data', mountPath: d.mountPath, subPath: d.subPath })) };
  }
  const chartClaim = plan.mode === 'helmChart' ? plan.helmChartClaims?.[component] : undefined;
  if (chartClaim !== undefined && isChartComponent(component)) {
    return { claimName: chartClaim, newClaim: false, mounts: helmChartMounts(component, data) };
  }
  if (plan.mode === 'shared') {
    const mounts = data.map((d) => ({ name: 'data', mountPath: d.mountPath, subPath: `${component}/${d.subPath}` }));
    return { claimName: plan.sharedClaim!, newClaim: false, mounts };
  }
  return { claimName: `${objectName}-data`, newClaim: true, mounts: data.map((d) => ({ name: 'data', mountPath: d.mountPath, subPath: d.subPath })) };
}

/** The chart's mounts for a component; every path our container keeps data in must be among them. */
function helmChartMounts(component: HelmChartDataComponent, data: readonly DataMount[]): VolumeMount[] {
  const layout = HELM_CHART_LAYOUT[component];
  const missing = data.filter((d) => !layout.some((l) => l.mountPath === d.mountPath));
  // A programming error, not a config one: our containers and the chart's must agree on paths.
  if (missing.length > 0) throw new Error(`${component}: the Helm chart keeps no data at ${missing.map((d) => d.mountPath).join(', ')}`);
  return layout.map((l) => ({ name: 'data', mountPath: l.mountPath, subPath: l.subPath }));
}
