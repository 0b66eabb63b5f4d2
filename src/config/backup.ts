// The `backup` section: when backups run, how long they are kept, how the volumes are captured
// (Velero) and, with a CloudNativePG database, how the database is (CloudNativePG's own backups).
// Only per-field rules here; which components exist and whether the database is CloudNativePG
// are checked with the rest of the config in src/model/lifecycle.ts.
import { z } from 'zod';
import { withDefaultBranch } from './branches.js';
import { normaliseCron, parseCron } from './cron.js';

const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SUBDOMAIN_RE = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Secret data keys: what Kubernetes allows in a Secret's data map.
const SECRET_KEY_RE = /^[-._a-zA-Z0-9]{1,253}$/;

const label = (what: string) => z.string().regex(DNS_LABEL_RE, { message: `not a valid ${what} (lower-case DNS label, max 63 chars)` });
const objectName = (what: string) => z.string().regex(SUBDOMAIN_RE, { message: `not a valid ${what} name (lower-case DNS subdomain)` });
const secretKey = z.string().regex(SECRET_KEY_RE, { message: 'not a valid Secret key (letters, digits, "-", "_", ".")' });

/** The components whose volumes a backup may capture: those that keep data. */
export const BACKUP_COMPONENTS = ['admin', 'imap', 'antispam', 'redis', 'webmail', 'webdav', 'smtp', 'fetchmail', 'antivirus'] as const;
export type BackupComponent = (typeof BACKUP_COMPONENTS)[number];

export const cronSchedule = z
  .string()
  .superRefine((s, ctx) => {
    const parsed = parseCron(s);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: `not a cron schedule: ${parsed}` });
  })
  .transform(normaliseCron);

const veleroVolumes = z.strictObject({
  method: z.literal('velero'),
  /** fsBackup: Velero's node agent copies files (any storage); snapshot: CSI VolumeSnapshots. */
  mode: z.enum(['fsBackup', 'snapshot']).default('fsBackup'),
  /** Default: admin, imap, antispam, redis (bundled), webmail and webdav, those that run. */
  components: z.array(z.enum(BACKUP_COMPONENTS)).min(1).optional(),
  /** Where Velero runs: Velero only acts on Schedules in its own namespace. */
  veleroNamespace: label('namespace').default('velero'),
  storageLocation: objectName('BackupStorageLocation').optional(),
  volumeSnapshotLocations: z.array(objectName('VolumeSnapshotLocation')).default([]),
});

const volumesSection = z.discriminatedUnion('method', [z.strictObject({ method: z.literal('none') }), veleroVolumes]);

const S3_PATH_RE = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?$/;

const httpUrl = z.string().superRefine((s, ctx) => {
  let url: URL | undefined;
  try {
    url = new URL(s);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: 'not an http(s) URL without credentials, e.g. https://s3.example.net or http://minio.storage:9000' });
  }
});

const s3Credentials = z
  .strictObject({
    /** Take the credentials from the pod's cloud identity (IAM role) instead of a Secret. */
    inheritFromIAMRole: z.boolean().default(false),
    /** The Secret with the keys (you create it; never written by mailu-k8s). */
    secret: label('Secret name').optional(),
    accessKeyIdKey: secretKey.default('ACCESS_KEY_ID'),
    secretAccessKeyKey: secretKey.default('ACCESS_SECRET_KEY'),
    regionKey: secretKey.optional(),
    sessionTokenKey: secretKey.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.inheritFromIAMRole && c.secret) {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: 'give either secret or inheritFromIAMRole: true, not both' });
    } else if (!c.inheritFromIAMRole && !c.secret) {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: 'is required: the Secret holding the access key id and secret access key (or set inheritFromIAMRole: true)' });
    }
  });

const databaseBackup = z.discriminatedUnion('method', [
  z.strictObject({
    method: z.literal('volumeSnapshot'),
    /** VolumeSnapshotClass for the database volumes; default: the cluster's default class. */
    className: objectName('VolumeSnapshotClass').optional(),
    /** Hot (true) or cold (false: the instance stops while its volume is snapshotted). */
    online: z.boolean().default(true),
  }),
  z.strictObject({
    method: z.literal('barmanObjectStore'),
    destinationPath: z.string().regex(S3_PATH_RE, { message: 'not an S3 path like s3://bucket/mailu (bucket name: lower-case letters, digits, dots, hyphens)' }),
    endpointURL: httpUrl.optional(),
    endpointCA: z.strictObject({ name: label('Secret name'), key: secretKey.default('ca.crt') }).optional(),
    s3Credentials,
  }),
]);

export const backupSection = z.strictObject({
  /** Five-field cron expression, in the time zone of the Velero and CloudNativePG controllers (usually UTC). */
  schedule: cronSchedule.default('0 3 * * *'),
  /** How long Velero keeps a backup; CloudNativePG's object store retention too. */
  retentionDays: z.number().int().min(1).max(3650).default(30),
  volumes: withDefaultBranch(volumesSection, 'method', 'velero').prefault({ method: 'velero' }),
  /** Only with database.type cnpg. */
  database: withDefaultBranch(databaseBackup, 'method').optional(),
});

export type BackupConfig = z.output<typeof backupSection>;
