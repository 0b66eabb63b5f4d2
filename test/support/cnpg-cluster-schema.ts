// CloudNativePG postgresql.cnpg.io/v1 Cluster: a SUBSET of the upstream schema, written by hand
// because no upstream schema is available offline. It lists only fields commonly set by a
// generator (instances, image, storage, bootstrap.initdb, managed roles, resources, affinity,
// monitoring, postgresql parameters, backup); a real Cluster field missing here is reported as unknown,
// so extend this subset deliberately (checking the upstream API reference) when the chart needs
// a new field. Strictness (additionalProperties: false on every object with properties) is
// added by the same pass that is applied to upstream CRDs.

type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const bool: Schema = { type: 'boolean' };
const strings: Schema = { type: 'array', items: str };
const stringMap: Schema = { type: 'object', additionalProperties: str };
const quantity: Schema = { type: 'string', format: 'quantity' };
const quantityMap: Schema = { type: 'object', additionalProperties: { anyOf: [quantity, { type: 'number' }] } };
const secretRef: Schema = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } };
const secretKeyRef: Schema = { type: 'object', required: ['key', 'name'], properties: { key: str, name: str } };
const stringMapObj: Schema = { type: 'object', additionalProperties: str };
// spec.backup, transcribed from the upstream CRD (postgresql.cnpg.io_clusters.yaml): the in-tree
// barman-cloud object store (S3, Azure, Google credentials) and volume snapshots.
const backup: Schema = {
  type: 'object',
  properties: {
    barmanObjectStore: {
      type: 'object',
      required: ['destinationPath'],
      properties: {
        destinationPath: { type: 'string', minLength: 1 },
        endpointURL: str,
        endpointCA: secretKeyRef,
        serverName: str,
        tags: stringMapObj,
        historyTags: stringMapObj,
        s3Credentials: {
          type: 'object',
          properties: { accessKeyId: secretKeyRef, secretAccessKey: secretKeyRef, region: secretKeyRef, sessionToken: secretKeyRef, inheritFromIAMRole: bool },
        },
        azureCredentials: {
          type: 'object',
          properties: { connectionString: secretKeyRef, storageAccount: secretKeyRef, storageKey: secretKeyRef, storageSasToken: secretKeyRef, inheritFromAzureAD: bool },
        },
        googleCredentials: { type: 'object', properties: { applicationCredentials: secretKeyRef, gkeEnvironment: bool } },
        wal: {
          type: 'object',
          properties: {
            compression: { enum: ['bzip2', 'gzip', 'lz4', 'snappy', 'xz', 'zstd'] },
            encryption: { enum: ['AES256', 'aws:kms'] },
            maxParallel: { type: 'integer', minimum: 1 },
            archiveAdditionalCommandArgs: strings,
            restoreAdditionalCommandArgs: strings,
          },
        },
        data: {
          type: 'object',
          properties: {
            compression: { enum: ['bzip2', 'gzip', 'snappy'] },
            encryption: { enum: ['AES256', 'aws:kms'] },
            immediateCheckpoint: bool,
            jobs: { type: 'integer', minimum: 1 },
            additionalCommandArgs: strings,
          },
        },
      },
    },
    retentionPolicy: { type: 'string', pattern: '^[1-9][0-9]*[dwm]$' },
    target: { enum: ['primary', 'prefer-standby'] },
    volumeSnapshot: {
      type: 'object',
      properties: {
        annotations: stringMapObj,
        labels: stringMapObj,
        className: str,
        walClassName: str,
        tablespaceClassName: stringMapObj,
        online: bool,
        onlineConfiguration: { type: 'object', properties: { immediateCheckpoint: bool, waitForArchive: bool } },
        snapshotOwnerReference: { enum: ['none', 'cluster', 'backup'] },
      },
    },
  },
};

const storage: Schema = {
  type: 'object',
  properties: { size: quantity, storageClass: str, resizeInUseVolumes: bool },
};

const role: Schema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1 },
    ensure: { enum: ['present', 'absent'] },
    comment: str,
    login: bool,
    superuser: bool,
    createdb: bool,
    createrole: bool,
    inherit: bool,
    replication: bool,
    bypassrls: bool,
    connectionLimit: { type: 'integer', minimum: -1 },
    validUntil: { type: 'string', format: 'date-time' },
    inRoles: strings,
    passwordSecret: secretRef,
    disablePassword: bool,
  },
};

const toleration: Schema = {
  type: 'object',
  properties: {
    key: str,
    operator: { enum: ['Exists', 'Equal'] },
    value: str,
    effect: { enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] },
    tolerationSeconds: { type: 'integer' },
  },
};

export const cnpgClusterSchema: Schema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'postgresql.cnpg.io/v1' },
    kind: { const: 'Cluster' },
    metadata: { type: 'object' }, // checked separately against ObjectMeta
    spec: {
      type: 'object',
      required: ['instances'],
      properties: {
        description: str,
        imageName: str,
        imagePullPolicy: { enum: ['Always', 'Never', 'IfNotPresent'] },
        instances: { type: 'integer', minimum: 1 },
        minSyncReplicas: { type: 'integer', minimum: 0 },
        maxSyncReplicas: { type: 'integer', minimum: 0 },
        primaryUpdateStrategy: { enum: ['unsupervised', 'supervised'] },
        primaryUpdateMethod: { enum: ['switchover', 'restart'] },
        enableSuperuserAccess: bool,
        superuserSecret: secretRef,
        startDelay: { type: 'integer', minimum: 1 },
        stopDelay: { type: 'integer', minimum: 1 },
        postgresql: {
          type: 'object',
          properties: { parameters: stringMap, pg_hba: strings, pg_ident: strings },
        },
        bootstrap: {
          type: 'object',
          properties: {
            initdb: {
              type: 'object',
              properties: {
                database: str,
                owner: str,
                secret: secretRef,
                encoding: str,
                localeCollate: str,
                localeCType: str,
                dataChecksums: bool,
                postInitSQL: strings,
                postInitApplicationSQL: strings,
                postInitTemplateSQL: strings,
              },
            },
          },
        },
        storage,
        walStorage: storage,
        resources: { type: 'object', properties: { limits: quantityMap, requests: quantityMap } },
        affinity: {
          type: 'object',
          properties: {
            enablePodAntiAffinity: bool,
            topologyKey: str,
            podAntiAffinityType: { enum: ['preferred', 'required'] },
            nodeSelector: stringMap,
            tolerations: { type: 'array', items: toleration },
          },
        },
        monitoring: { type: 'object', properties: { enablePodMonitor: bool } },
        backup,
        managed: { type: 'object', properties: { roles: { type: 'array', items: role } } },
        inheritedMetadata: { type: 'object', properties: { labels: stringMap, annotations: stringMap } },
      },
    },
  },
};
