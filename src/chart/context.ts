// What every component construct needs besides its own ComponentModel: naming, labels, the shared
// ConfigMap, DNS settings and storage. Built once by MailuChart from the model.
import type { ComponentName } from '../config/schema.js';
import type { Resources } from '../model/resources.js';

export interface StoragePlan {
  mode: 'perComponent' | 'shared';
  storageClass?: string;
  /** perComponent: claim size per component that keeps data. */
  sizes: Partial<Record<ComponentName, string>>;
  /** shared: the single RWX claim's name. */
  sharedClaim?: string;
}

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
}
