// Config files mounted into Mailu's containers from ConfigMaps: Mailu's own /overrides (the
// `overrides` block, by Mailu's daemon names, plus front's MTA-STS policy) and the file that gives
// rspamd the Redis password. Inline files go into a ConfigMap mailu-k8s writes; a ConfigMap of
// yours is mounted as it is; both at once (front's MTA-STS policy beside your nginx files) become
// one projected volume. Always read-only: Mailu copies or includes what it needs at start.
import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import type { ConfigMap, Volume, VolumeMount } from 'kubernetes-types/core/v1.js';
import { OVERRIDE_DAEMONS, userConfigMap } from '../config/overrides.js';
import type { ComponentName } from '../config/schema.js';
import type { MailuModel } from '../model/index.js';
import { mtaStsPolicies } from '../model/exposure.js';
import { OVERRIDE_COMPONENT } from '../model/knobs.js';
import { objectLabels } from '../model/labels.js';
import { emit, type Manifest } from './api.js';
import { mtaStsOverride } from './components/front.js';
import { RSPAMD_OVERRIDE_DIR, rspamdRedisAuthFiles } from './redis-auth.js';

/** Where Mailu's start-up scripts look for override files, in every image. */
export const OVERRIDES_DIR = '/overrides';

/** One directory of config files in one component's container. */
export interface FileSet {
  component: ComponentName;
  /** The pod's volume name. */
  volume: string;
  mountPath: string;
  /** Files mailu-k8s writes, into ConfigMap `configMap`. */
  ours?: { configMap: string; data: Record<string, string> };
  /** A ConfigMap of yours, mounted whole. */
  user?: string;
  /** Mount each file of ours on its own (the directory keeps the image's other files). */
  perFile?: boolean;
}

/** The file sets of a model: /overrides per daemon that has any, and rspamd's Redis password file. */
export function planFileSets(model: MailuModel): FileSet[] {
  const { config } = model;
  const sets: FileSet[] = [];
  for (const daemon of OVERRIDE_DAEMONS) {
    const component = OVERRIDE_COMPONENT[daemon];
    const c = model.components.get(component);
    if (!c) continue;
    const source = config.overrides[daemon];
    const user = source ? userConfigMap(source) : undefined;
    const data: Record<string, string> = source && !user ? { ...source } : {};
    // front serves the MTA-STS policy from its /overrides (an nginx location).
    const policies = daemon === 'nginx' ? mtaStsPolicies(config) : [];
    if (policies.length > 0) data['mta-sts.conf'] = mtaStsOverride(policies, [config.hostnames[0]!]);
    if (Object.keys(data).length === 0 && !user) continue;
    sets.push({
      component,
      volume: 'overrides',
      mountPath: OVERRIDES_DIR,
      ...(Object.keys(data).length > 0 ? { ours: { configMap: `${c.objectName}-overrides`, data } } : {}),
      ...(user ? { user } : {}),
    });
  }
  if (config.redis.auth && model.components.has('antispam')) {
    sets.push({
      component: 'antispam',
      volume: 'redis-auth',
      mountPath: RSPAMD_OVERRIDE_DIR,
      ours: { configMap: `${config.instance}-antispam-redis-auth`, data: rspamdRedisAuthFiles() },
      perFile: true,
    });
  }
  return sets;
}

export interface PodFiles {
  volumes: Volume[];
  mounts: VolumeMount[];
  /** A checksum of the files mailu-k8s writes: Mailu reads them at start, so pods roll on change. */
  podAnnotations: Record<string, string>;
}

function volumeOf(set: FileSet): Volume {
  const sources = [set.ours?.configMap, set.user].filter((n): n is string => n !== undefined);
  if (sources.length > 1) return { name: set.volume, projected: { sources: sources.map((name) => ({ configMap: { name } })) } };
  return { name: set.volume, configMap: { name: sources[0]! } };
}

function mountsOf(set: FileSet): VolumeMount[] {
  if (set.perFile && set.ours) {
    return Object.keys(set.ours.data).sort().map((key) => ({ name: set.volume, mountPath: `${set.mountPath}/${key}`, subPath: key, readOnly: true }));
  }
  return [{ name: set.volume, mountPath: set.mountPath, readOnly: true }];
}

/** The volumes, mounts and checksum annotation of one component's file sets (undefined: none). */
export function podFiles(sets: readonly FileSet[], component: ComponentName): PodFiles | undefined {
  const mine = sets.filter((s) => s.component === component);
  if (mine.length === 0) return undefined;
  const ours = mine.filter((s) => s.ours).map((s) => [s.ours!.configMap, s.ours!.data]);
  return {
    volumes: mine.map(volumeOf),
    mounts: mine.flatMap(mountsOf),
    podAnnotations: ours.length > 0 ? { 'mailu-k8s.io/files-checksum': createHash('sha256').update(JSON.stringify(ours)).digest('hex').slice(0, 16) } : {},
  };
}

export interface FileConfigMapsProps {
  instance: string;
  namespace: string;
  sets: readonly FileSet[];
}

/** The ConfigMaps holding the files mailu-k8s writes. */
export class FileConfigMaps extends Construct {
  constructor(scope: Construct, id: string, props: FileConfigMapsProps) {
    super(scope, id);
    for (const set of props.sets) {
      if (!set.ours) continue;
      emit<ConfigMap & Manifest>(this, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: set.ours.configMap, namespace: props.namespace, labels: objectLabels(props.instance, set.component) },
        data: set.ours.data,
      });
    }
  }
}
