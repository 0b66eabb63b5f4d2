// CloudNativePG Cluster for Mailu (and Roundcube): CNPG creates the `<name>-app` Secret with the
// credentials the model wires into DB_USER/DB_PW and ROUNDCUBE_DB_*. With backup.database, the
// Cluster carries its backup target and a ScheduledBackup runs it on backup.schedule.
import { Construct } from 'constructs';
import type { BackupPlan } from '../model/lifecycle.js';
import { objectLabels } from '../model/labels.js';
import { emit, KEEP_DATA_ANNOTATIONS } from './api.js';

export interface CnpgDatabaseProps {
  instance: string;
  namespace: string;
  instances: number;
  size: string;
  storageClass?: string;
  imageName?: string;
  /** The backup plan, when backup.database is set. */
  backup?: BackupPlan;
}

type DatabaseBackup = NonNullable<BackupPlan['database']>;
type SecretKey = { name: string; key: string };

/** Cluster.spec.backup: where CNPG writes base backups and WAL, or which snapshot class it uses. */
export function clusterBackupSpec(db: DatabaseBackup, retentionDays: number): Record<string, unknown> {
  if (db.method === 'volumeSnapshot') {
    return { volumeSnapshot: { ...(db.className ? { className: db.className } : {}), online: db.online, snapshotOwnerReference: 'none' } };
  }
  const c = db.s3Credentials;
  const ref = (key: string): SecretKey => ({ name: c.secret!, key });
  const s3Credentials = c.inheritFromIAMRole
    ? { inheritFromIAMRole: true }
    : {
        accessKeyId: ref(c.accessKeyIdKey),
        secretAccessKey: ref(c.secretAccessKeyKey),
        ...(c.regionKey ? { region: ref(c.regionKey) } : {}),
        ...(c.sessionTokenKey ? { sessionToken: ref(c.sessionTokenKey) } : {}),
      };
  return {
    retentionPolicy: `${retentionDays}d`,
    barmanObjectStore: {
      destinationPath: db.destinationPath,
      ...(db.endpointURL ? { endpointURL: db.endpointURL } : {}),
      ...(db.endpointCA ? { endpointCA: { name: db.endpointCA.name, key: db.endpointCA.key } } : {}),
      s3Credentials,
      wal: { compression: 'gzip' },
      data: { compression: 'gzip' },
    },
  };
}

export class CnpgDatabase extends Construct {
  readonly name: string;
  constructor(scope: Construct, id: string, props: CnpgDatabaseProps) {
    super(scope, id);
    this.name = `${props.instance}-db`;
    const backup = props.backup?.database;
    emit(this, {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      // Deleting the Cluster deletes its volumes (CNPG owns them): GitOps tools must never do it on their own.
      metadata: { name: this.name, namespace: props.namespace, labels: objectLabels(props.instance, 'db'), annotations: KEEP_DATA_ANNOTATIONS },
      spec: {
        instances: props.instances,
        ...(props.imageName ? { imageName: props.imageName } : {}),
        bootstrap: { initdb: { database: 'mailu', owner: 'mailu' } },
        storage: { size: props.size, ...(props.storageClass ? { storageClass: props.storageClass } : {}) },
        ...(backup ? { backup: clusterBackupSpec(backup, props.backup!.retentionDays) } : {}),
      },
    });
    if (backup) {
      emit(this, {
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'ScheduledBackup',
        metadata: { name: this.name, namespace: props.namespace, labels: objectLabels(props.instance, 'db') },
        spec: {
          // CloudNativePG's cron has a seconds field first.
          schedule: props.backup!.cnpgSchedule,
          cluster: { name: this.name },
          method: backup.method,
          // The first backup runs right after apply: a broken target shows at once, not at night.
          immediate: true,
          // Backups outlive the ScheduledBackup: deleting the output must not delete them.
          backupOwnerReference: 'none',
        },
      });
    }
  }
}
