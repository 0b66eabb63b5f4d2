// Velero backs up the volumes (backup.volumes.method: velero).
//
// Why Velero rather than k8up: a Velero backup holds the Kubernetes objects and the volume data
// together, so one `velero restore create` brings back each claim, its volume and its files (or
// snapshot) in the right order; it takes both CSI snapshots and file-level copies (the latter
// works on any storage, k3s's local-path included, which cannot snapshot); and its pre-backup hooks
// let admin copy its SQLite database consistently first. k8up copies files only, and restores one
// claim at a time into claims you create first.
//
// One Schedule in Velero's namespace (Velero acts only on Schedules there) backs up Mailu's
// namespace: every object in it, your Secrets included, except the running data components left
// out (smtp's queue, say) and CloudNativePG's database, which has its own backups. File copies are
// opt-in per pod (`backup.velero.io/backup-volumes`), so only the chosen components' data is read.
import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import type { ComponentName } from '../config/schema.js';
import type { BackupPlan, VolumeBackupPlan } from '../model/lifecycle.js';
import { instanceLabels, objectLabels, selectorLabels } from '../model/labels.js';
import { emit } from './api.js';

/** The pod annotation naming the volumes Velero's file-system backup copies. */
export const FS_BACKUP_ANNOTATION = 'backup.velero.io/backup-volumes';
/** The volume name MailuWorkload gives every component's data claim. */
const DATA_VOLUME = 'data';

/**
 * Pod annotations for a component: with file-system backups, the data volume of each chosen
 * component. On a shared claim one pod names it (the first chosen component), so it is copied once.
 */
export function backupPodAnnotations(plan: BackupPlan | undefined, component: ComponentName, sharedStorage: boolean): Record<string, string> {
  const v = plan?.volumes;
  if (!v || v.mode !== 'fsBackup' || !v.components.includes(component)) return {};
  if (sharedStorage && v.components[0] !== component) return {};
  return { [FS_BACKUP_ANNOTATION]: DATA_VOLUME };
}

/** Schedule name: unique across namespaces (all Schedules share Velero's), short enough for labels. */
export function veleroScheduleName(instance: string, namespace: string): string {
  const base = `${instance}-${namespace}`;
  if (base.length <= 48) return base;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 8);
  return `${base.slice(0, 39).replace(/-+$/, '')}-${hash}`;
}

function labelSelector(v: VolumeBackupPlan, cnpg: boolean): Record<string, unknown> | undefined {
  // NotIn also matches objects without the label: your Secrets and everything else unlabelled.
  const notIn = [...v.excluded, ...(cnpg ? ['db'] : [])];
  const expressions = [
    ...(notIn.length > 0 ? [{ key: 'app.kubernetes.io/component', operator: 'NotIn', values: notIn }] : []),
    // CloudNativePG labels its pods, claims and Secrets with the cluster's name.
    ...(cnpg ? [{ key: 'cnpg.io/cluster', operator: 'DoesNotExist' }] : []),
  ];
  return expressions.length > 0 ? { matchExpressions: expressions } : undefined;
}

function hooks(v: VolumeBackupPlan, instance: string, namespace: string): Record<string, unknown> | undefined {
  if (v.hooks.length === 0) return undefined;
  return {
    resources: v.hooks.map((h) => ({
      name: `${instance}-${h.component}`,
      includedNamespaces: [namespace],
      includedResources: ['pods'],
      labelSelector: { matchLabels: selectorLabels(instance, h.component) },
      // Fail: a copy that did not happen shows in `velero backup describe` instead of passing silently.
      pre: [{ exec: { container: h.container, command: h.command, onError: 'Fail', timeout: '2m' } }],
    })),
  };
}

export interface VeleroScheduleProps {
  instance: string;
  namespace: string;
  plan: BackupPlan;
  volumes: VolumeBackupPlan;
  cnpg: boolean;
}

export class VeleroSchedule extends Construct {
  readonly name: string;
  constructor(scope: Construct, id: string, props: VeleroScheduleProps) {
    super(scope, id);
    const { instance, namespace, plan, volumes: v } = props;
    this.name = veleroScheduleName(instance, namespace);
    const selector = labelSelector(v, props.cnpg);
    const hookSpec = hooks(v, instance, namespace);
    emit(this, {
      apiVersion: 'velero.io/v1',
      kind: 'Schedule',
      metadata: { name: this.name, namespace: v.veleroNamespace, labels: objectLabels(instance, 'backup') },
      spec: {
        schedule: plan.schedule,
        // Deleting the Schedule (with the rest of the output) keeps the backups it made.
        useOwnerReferencesInBackup: false,
        template: {
          includedNamespaces: [namespace],
          ...(selector ? { labelSelector: selector } : {}),
          snapshotVolumes: v.mode === 'snapshot',
          defaultVolumesToFsBackup: false,
          ttl: plan.ttl,
          ...(v.storageLocation ? { storageLocation: v.storageLocation } : {}),
          ...(v.volumeSnapshotLocations.length > 0 ? { volumeSnapshotLocations: v.volumeSnapshotLocations } : {}),
          ...(hookSpec ? { hooks: hookSpec } : {}),
          metadata: { labels: instanceLabels(instance) },
        },
      },
    });
  }
}
