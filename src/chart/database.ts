// CloudNativePG Cluster for Mailu (and Roundcube): CNPG creates the `<name>-app` Secret with the
// credentials the model wires into DB_USER/DB_PW and ROUNDCUBE_DB_*.
import { Construct } from 'constructs';
import { objectLabels } from '../model/labels.js';
import { emit, KEEP_DATA_ANNOTATIONS } from './api.js';

export interface CnpgDatabaseProps {
  instance: string;
  namespace: string;
  instances: number;
  size: string;
  storageClass?: string;
  imageName?: string;
}

export class CnpgDatabase extends Construct {
  readonly name: string;
  constructor(scope: Construct, id: string, props: CnpgDatabaseProps) {
    super(scope, id);
    this.name = `${props.instance}-db`;
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
      },
    });
  }
}
