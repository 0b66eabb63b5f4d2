// What every component construct needs besides its own ComponentModel: naming, labels, the shared
// ConfigMap, DNS settings and storage. Built once by MailuChart from the model.
import { createHash } from 'node:crypto';
import type { ComponentName } from '../config/schema.js';
import type { MailuModel } from '../model/index.js';
import { type Resources, resourcesFor } from '../model/resources.js';
import { decideWorkload, serviceMetadata, type ServiceName, type WorkloadName, type WorkloadPlan } from '../model/workloads.js';
import { planFileSets, podFiles, type PodFiles } from './overrides.js';
import { helmChartClaims, type StoragePlan } from './storage.js';

export type { StoragePlan } from './storage.js';

export interface ChartContext {
  instance: string;
  namespace: string;
  imagePullPolicy: 'IfNotPresent' | 'Always' | 'Never';
  /** Name of the shared env ConfigMap. */
  envConfigMap: string;
  /** ClusterIP of the validating resolver; Mailu pods use it as their only nameserver. */
  resolverIp: string;
  clusterDomain: string;
  storage: StoragePlan;
  resources: (component: ComponentName) => Resources;
  /** Annotations for pod templates (e.g. a checksum of the shared env so pods roll on change). */
  podAnnotations: Record<string, string>;
  /** Config files a component's pods mount from ConfigMaps (overrides.ts); default none. */
  files?: (component: ComponentName) => PodFiles | undefined;
  /** What workloads.* gives a workload's pods: replicas, scheduling, metadata, environment (default: none of it). */
  workload?: (name: WorkloadName) => WorkloadPlan;
  /** The labels and annotations services.* adds to a Service (default: none). */
  serviceMetadata?: (name: ServiceName) => { labels: Record<string, string>; annotations: Record<string, string> };
}

/** Components that keep data on a volume. */
const DATA_COMPONENTS: ComponentName[] = ['admin', 'smtp', 'imap', 'antispam', 'antivirus', 'webmail', 'webdav', 'fetchmail', 'redis'];

/**
 * Where data goes. The shared claim is `<instance>-shared-data`: the `<instance>-storage` it was
 * once called is the Helm chart's single-claim name for a release of the same name.
 */
function storagePlan(config: MailuModel['config']): StoragePlan {
  const s = config.storage;
  const sizes = s.sizes as Record<string, string>;
  return {
    mode: s.mode,
    ...(s.storageClass !== undefined ? { storageClass: s.storageClass } : {}),
    sizes: Object.fromEntries(DATA_COMPONENTS.map((c) => [c, sizes[c]!])),
    ...(s.mode === 'shared' ? { sharedClaim: s.sharedClaimName ?? `${config.instance}-shared-data` } : {}),
    ...(s.mode === 'helmChart' && s.helmChart ? { helmChartClaims: helmChartClaims(s.helmChart) } : {}),
    existingClaims: { ...s.existingClaims },
    classes: { ...s.classes },
    annotations: { ...s.annotations },
  };
}

/**
 * The context for component constructs, from the model. MailuChart uses it; so can a chart of
 * your own that composes single components (it must also emit the `<instance>-env` ConfigMap).
 */
export function buildChartContext(model: MailuModel): ChartContext {
  const { config } = model;
  const fileSets = planFileSets(model);
  return {
    instance: config.instance,
    namespace: config.namespace,
    imagePullPolicy: config.mailu.imagePullPolicy,
    envConfigMap: `${config.instance}-env`,
    resolverIp: model.resolverIp,
    clusterDomain: config.cluster.clusterDomain,
    storage: storagePlan(config),
    resources: (c) => resourcesFor(config, c),
    // Mailu reads its environment at start: a checksum in the pod template rolls pods on change.
    podAnnotations: { 'mailu-k8s.io/env-checksum': createHash('sha256').update(JSON.stringify(model.env.shared)).digest('hex').slice(0, 16) },
    files: (c) => podFiles(fileSets, c),
    workload: (name) => decideWorkload(config, name),
    serviceMetadata: (name) => serviceMetadata(config, name),
  };
}
