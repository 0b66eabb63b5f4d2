// Decisions about a deployment's life beyond its first apply: which Mailu release it runs and what
// its backups capture. Pure: the chart renders the BackupPlan, the invariants report the checks.
import type { BackupComponent } from '../config/backup.js';
import type { ComponentName, MailuConfig } from '../config/schema.js';
import { classifyMailuVersion, DEFAULT_MAILU_VERSION } from '../config/mailu-version.js';
import { enabledComponents } from './components.js';
import type { CheckResult } from './invariants.js';

/**
 * What a restore cannot rebuild: mailboxes and sieve scripts (imap), DKIM keys and, with SQLite,
 * every domain, user and alias (admin), rspamd's state (antispam), rspamd's learnt Bayes and fuzzy
 * hashes (Mailu keeps them in Redis), webmail contacts and settings, calendars and address books
 * (webdav). Left out by default: the smtp queue (mail in transit: restoring a day-old queue sends
 * it twice), ClamAV's signatures (downloaded again), fetchmail's state (which messages it fetched).
 */
export const DEFAULT_BACKUP_COMPONENTS: readonly BackupComponent[] = ['admin', 'imap', 'antispam', 'redis', 'webmail', 'webdav'];

export interface BackupHook {
  component: ComponentName;
  /** Container to run in (our containers are named after their component). */
  container: string;
  command: string[];
  why: string;
}

export interface VolumeBackupPlan {
  mode: 'fsBackup' | 'snapshot';
  /** Components whose volume data is captured. */
  components: ComponentName[];
  /** Running data components left out: the backup's label selector excludes their objects. */
  excluded: ComponentName[];
  veleroNamespace: string;
  storageLocation?: string;
  volumeSnapshotLocations: string[];
  /** Commands run in a pod just before its volumes are captured, for a consistent copy. */
  hooks: BackupHook[];
}

export interface BackupPlan {
  /** Five-field cron (Velero). */
  schedule: string;
  /** The same with a leading seconds field (CloudNativePG's six-field cron). */
  cnpgSchedule: string;
  retentionDays: number;
  /** Velero's TTL, a Go duration. */
  ttl: string;
  volumes?: VolumeBackupPlan;
  database?: NonNullable<NonNullable<MailuConfig['backup']>['database']>;
}

/** Where SQLite keeps Mailu's database in admin, and where the hook puts its consistent copy. */
export const ADMIN_DB = '/data/main.db';
export const ADMIN_DB_COPY = '/data/main.db.backup';

const DATA_COMPONENTS: readonly ComponentName[] = ['admin', 'imap', 'antispam', 'redis', 'webmail', 'webdav', 'smtp', 'fetchmail', 'antivirus'];

function hooksFor(config: MailuConfig, components: ComponentName[]): BackupHook[] {
  const hooks: BackupHook[] = [];
  if (components.includes('admin') && config.database.type === 'sqlite') {
    // SQLite's online backup API: a consistent copy even while admin writes (quota updates arrive
    // with every delivered message). The admin image is Python; its sqlite3 module does this.
    const script = `import sqlite3; s = sqlite3.connect('${ADMIN_DB}'); d = sqlite3.connect('${ADMIN_DB_COPY}'); s.backup(d); d.close(); s.close()`;
    hooks.push({ component: 'admin', container: 'admin', command: ['python3', '-c', script], why: 'consistent copy of the SQLite database' });
  }
  if (components.includes('redis')) {
    // SAVE writes dump.rdb now (atomically, by rename) instead of up to five minutes ago.
    hooks.push({ component: 'redis', container: 'redis', command: ['redis-cli', 'SAVE'], why: 'current Redis snapshot on disk' });
  }
  return hooks;
}

function volumePlan(config: MailuConfig): VolumeBackupPlan | undefined {
  const v = config.backup?.volumes;
  if (!v || v.method !== 'velero') return undefined;
  const running = new Set<ComponentName>(enabledComponents(config));
  const wanted: readonly ComponentName[] = v.components ?? DEFAULT_BACKUP_COMPONENTS;
  const components = wanted.filter((c) => running.has(c));
  return {
    mode: v.mode,
    components,
    excluded: DATA_COMPONENTS.filter((c) => running.has(c) && !components.includes(c)),
    veleroNamespace: v.veleroNamespace,
    ...(v.storageLocation ? { storageLocation: v.storageLocation } : {}),
    volumeSnapshotLocations: v.volumeSnapshotLocations,
    hooks: hooksFor(config, components),
  };
}

/** The backup plan, or undefined when the config asks for no backups. */
export function decideBackup(config: MailuConfig): BackupPlan | undefined {
  const b = config.backup;
  if (!b) return undefined;
  const volumes = volumePlan(config);
  return {
    schedule: b.schedule,
    cnpgSchedule: `0 ${b.schedule}`,
    retentionDays: b.retentionDays,
    ttl: `${b.retentionDays * 24}h0m0s`,
    ...(volumes ? { volumes } : {}),
    ...(b.database && config.database.type === 'cnpg' ? { database: b.database } : {}),
  };
}

function backupChecks(config: MailuConfig, out: CheckResult): void {
  const b = config.backup;
  if (!b) return;
  const db = config.database;
  if (b.database && db.type !== 'cnpg') {
    out.errors.push({
      path: 'backup.database',
      message: `backs up a CloudNativePG database, but database.type is "${db.type}"${db.type === 'sqlite' ? ': the SQLite database lives in admin\'s volume, which backup.volumes covers' : ': back up the external database where it runs'}`,
    });
  }
  const v = b.volumes;
  if (v.method === 'velero' && v.components) {
    const running = new Set<ComponentName>(enabledComponents(config));
    v.components.forEach((c, i) => {
      if (!running.has(c)) out.errors.push({ path: `backup.volumes.components[${i}]`, message: `${c} does not run in this config, so it has no volume to back up` });
    });
    const dup = v.components.filter((c, i) => v.components!.indexOf(c) !== i);
    if (dup.length) out.errors.push({ path: 'backup.volumes.components', message: `lists ${[...new Set(dup)].join(', ')} more than once` });
    if (v.components.includes('smtp')) out.warnings.push('backup.volumes.components: restoring smtp\'s queue sends the mail that was in it a second time');
  }
  if (v.method === 'velero' && v.mode === 'fsBackup' && v.volumeSnapshotLocations.length > 0) {
    out.errors.push({ path: 'backup.volumes.volumeSnapshotLocations', message: 'only apply to mode: snapshot (fsBackup copies files, it takes no snapshots)' });
  }
  if (db.type === 'cnpg' && !b.database) out.warnings.push('backup.database: not set, so the CloudNativePG database (every domain, user and alias) is not backed up');
  if ((db.type === 'postgresql' || db.type === 'mysql') && v.method === 'velero') {
    out.warnings.push(`backup: the ${db.type} database is external; back it up where it runs, at the same time as backup.schedule`);
  }
  if (b.database?.method === 'volumeSnapshot') {
    out.warnings.push('backup.retentionDays: CloudNativePG does not expire volume-snapshot backups; delete old Backup objects and VolumeSnapshots yourself');
  }
  if (v.method === 'none' && !b.database) out.warnings.push('backup: volumes.method is none and there is no database backup: nothing is backed up');
}

function versionChecks(config: MailuConfig, out: CheckResult): void {
  const { version, allowUntestedVersion } = config.mailu;
  const verdict = classifyMailuVersion(version);
  if (verdict.kind === 'floating') {
    out.warnings.push(`mailu.version: ${version} moves with every patch release, so a restarted pod may run a newer Mailu than its neighbours; pin a release such as ${DEFAULT_MAILU_VERSION}`);
  } else if (verdict.kind === 'unsupported' && allowUntestedVersion) {
    out.warnings.push(`mailu.version: ${version} is untested with mailu-k8s (mailu.allowUntestedVersion): ${verdict.reason.split(';')[0]}`);
  } else if (verdict.kind === 'pinned' && allowUntestedVersion) {
    out.warnings.push('mailu.allowUntestedVersion: not needed, the version is a supported release; remove it so an unsupported one is refused again');
  }
}

/** Checks of the version and the backup section; appended to checkConfig's result. */
export function lifecycleChecks(config: MailuConfig): CheckResult {
  const out: CheckResult = { errors: [], warnings: [] };
  versionChecks(config, out);
  backupChecks(config, out);
  return out;
}
