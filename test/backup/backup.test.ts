// Backups as rendered: the Velero Schedule and CloudNativePG's ScheduledBackup validate strictly
// against the upstream CRDs vendored in test/fixtures/crds; the Schedule's label selector, evaluated
// with Kubernetes' own semantics, takes exactly the objects a restore needs; file copies are opt-in
// on exactly the chosen pods; the SQLite hook really produces a consistent copy; refusals name the field.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import { FS_BACKUP_ANNOTATION, veleroScheduleName } from '../../src/chart/backup.js';
import type { MailuConfigInput } from '../../src/config/schema.js';
import { ADMIN_DB, ADMIN_DB_COPY } from '../../src/model/lifecycle.js';
import { assertValid, BASE, cfg, egressAllows, INTERNET, type Manifest, podIn, render, type Rendered } from '../support/chart-helpers.js';
import { messageAt } from '../support/config-issues.js';
import { validateManifest } from '../support/schema.js';

const withBackup = (backup: unknown, over: Partial<MailuConfigInput> = {}): MailuConfigInput => ({ ...cfg(over), backup } as MailuConfigInput);

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };

/** Kubernetes label selector semantics (NotIn and DoesNotExist match objects without the label). */
function selects(sel: Selector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const ok =
      e.operator === 'In' ? has && e.values!.includes(labels[e.key]!)
      : e.operator === 'NotIn' ? !has || !e.values!.includes(labels[e.key]!)
      : e.operator === 'Exists' ? has
      : e.operator === 'DoesNotExist' ? !has
      : assert.fail(`operator ${e.operator}`);
    if (!ok) return false;
  }
  return true;
}

function schedule(r: Rendered): Manifest & { spec: { schedule: string; template: Record<string, unknown> } } {
  const all = r.all('Schedule');
  assert.equal(all.length, 1, 'one Velero Schedule');
  return all[0] as never;
}

function annotatedComponents(r: Rendered): string[] {
  return r.objects
    .filter((o) => ['Deployment', 'DaemonSet'].includes(o.kind))
    .filter((o) => (o.spec as { template: { metadata: { annotations?: Record<string, string> } } }).template.metadata.annotations?.[FS_BACKUP_ANNOTATION] === 'data')
    .map((o) => o.metadata.labels!['app.kubernetes.io/component']!)
    .sort();
}

describe('backup: Velero Schedule for the volumes', () => {
  it('with `backup: {}` backs up the namespace daily at 03:00 for 30 days, valid against the Velero CRD', async (t) => {
    const r = render(withBackup({}));
    const s = schedule(r);
    assert.equal(s.metadata.namespace, 'velero', 'Velero only acts on Schedules in its own namespace');
    assert.equal(s.spec.schedule, '0 3 * * *');
    assert.equal(s.spec.template.ttl, '720h0m0s');
    assert.deepEqual(s.spec.template.includedNamespaces, ['mailu']);
    assert.equal(s.spec.template.defaultVolumesToFsBackup, false, 'file copies are opt-in per pod');
    assert.equal(s.spec.template.snapshotVolumes, false);
    assert.equal((s.spec as Record<string, unknown>).useOwnerReferencesInBackup, false, 'deleting the Schedule keeps its backups');
    assert.deepEqual(r.warnings, []);
    await assertValid(t, r.objects);
  });

  it('copies the data volumes of admin, imap, antispam, redis and webmail by default, not the smtp queue or ClamAV', () => {
    const r = render(withBackup({}));
    assert.deepEqual(annotatedComponents(r), ['admin', 'antispam', 'imap', 'redis', 'webmail']);
    const withDav = render(withBackup({}, { components: { webdav: true } }));
    assert.ok(annotatedComponents(withDav).includes('webdav'), 'webdav when it runs');
    const external = render(withBackup({}, { redis: { mode: 'external', host: 'redis.example.net' } }));
    assert.ok(!annotatedComponents(external).includes('redis'), 'no bundled Redis, nothing to copy');
  });

  it('the label selector keeps your Secrets and the chosen claims, and leaves out the excluded components and CloudNativePG', () => {
    const r = render(withBackup({}, { database: { type: 'cnpg' } }));
    const sel = schedule(r).spec.template.labelSelector as Selector;
    assert.ok(selects(sel, {}), 'an unlabelled Secret you created (secret key, initial admin password) is included');
    const claims = r.all('PersistentVolumeClaim');
    const component = (o: Manifest) => o.metadata.labels!['app.kubernetes.io/component']!;
    const taken = claims.filter((c) => selects(sel, c.metadata.labels!)).map(component).sort();
    assert.deepEqual(taken, ['admin', 'antispam', 'imap', 'redis', 'webmail']);
    assert.ok(!selects(sel, r.get('Deployment', 'mailu-smtp').metadata.labels!), 'smtp left out');
    assert.ok(!selects(sel, r.get('Cluster', 'mailu-db').metadata.labels!), 'the CloudNativePG Cluster is not restored by Velero');
    assert.ok(!selects(sel, { 'cnpg.io/cluster': 'mailu-db', role: 'primary' }), "CloudNativePG's pods and claims neither");
  });

  it('pre-backup hooks run in admin (SQLite copy) and redis (SAVE), selected by their pod labels', () => {
    const r = render(withBackup({}));
    const hooks = (schedule(r).spec.template.hooks as { resources: { labelSelector: Selector; pre: { exec: { container: string; command: string[] } }[] }[] }).resources;
    const byContainer = Object.fromEntries(hooks.map((h) => [h.pre[0]!.exec.container, h]));
    assert.deepEqual(Object.keys(byContainer).sort(), ['admin', 'redis']);
    assert.deepEqual(byContainer.redis!.pre[0]!.exec.command, ['redis-cli', 'SAVE']);
    const adminPod = r.get('Deployment', 'mailu-admin').spec as { template: { metadata: { labels: Record<string, string> } } };
    assert.ok(selects(byContainer.admin!.labelSelector, adminPod.template.metadata.labels));
    const smtpPod = r.get('Deployment', 'mailu-smtp').spec as { template: { metadata: { labels: Record<string, string> } } };
    assert.ok(!selects(byContainer.admin!.labelSelector, smtpPod.template.metadata.labels));
    const cnpg = render(withBackup({}, { database: { type: 'cnpg' } }));
    const cnpgHooks = (schedule(cnpg).spec.template.hooks as { resources: { name: string }[] }).resources.map((h) => h.name);
    assert.deepEqual(cnpgHooks, ['mailu-redis'], 'no SQLite in admin when the database is CloudNativePG');
  });

  it('the SQLite hook makes a complete, consistent copy (run with Python against a real database)', (t) => {
    const py = spawnSync('/usr/bin/python3', ['-c', 'import sqlite3'], { encoding: 'utf8' });
    if (py.status !== 0) {
      t.skip('python3 with sqlite3 not installed: the hook command was not run');
      return;
    }
    const r = render(withBackup({}));
    const hooks = (schedule(r).spec.template.hooks as { resources: { pre: { exec: { container: string; command: string[] } }[] }[] }).resources;
    const cmd = hooks.find((h) => h.pre[0]!.exec.container === 'admin')!.pre[0]!.exec.command;
    const dir = mkdtempSync(join(tmpdir(), 'mailu-k8s-sqlite-'));
    try {
      const db = join(dir, 'main.db');
      const setup = `import sqlite3; c = sqlite3.connect('${db}'); c.execute('create table user (email text)'); c.executemany('insert into user values (?)', [(f'u{i}@example.com',) for i in range(500)]); c.commit()`;
      assert.equal(spawnSync('/usr/bin/python3', ['-c', setup]).status, 0);
      const script = cmd[2]!.replaceAll(ADMIN_DB_COPY, join(dir, 'main.db.backup')).replaceAll(ADMIN_DB, db);
      const run = spawnSync('/usr/bin/' + cmd[0]!, [cmd[1]!, script], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const check = `import sqlite3; c = sqlite3.connect('${join(dir, 'main.db.backup')}'); print(c.execute('pragma integrity_check').fetchone()[0], c.execute('select count(*) from user').fetchone()[0])`;
      assert.equal(spawnSync('/usr/bin/python3', ['-c', check], { encoding: 'utf8' }).stdout.trim(), 'ok 500');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('mode snapshot takes CSI snapshots of the selected claims: no pod annotations, snapshot locations passed on', async (t) => {
    const r = render(withBackup({ volumes: { mode: 'snapshot', volumeSnapshotLocations: ['csi-default'], storageLocation: 'offsite' } }));
    const tpl = schedule(r).spec.template;
    assert.equal(tpl.snapshotVolumes, true);
    assert.deepEqual(tpl.volumeSnapshotLocations, ['csi-default']);
    assert.equal(tpl.storageLocation, 'offsite');
    assert.deepEqual(annotatedComponents(r), []);
    await assertValid(t, r.objects);
  });

  it('an explicit component list is followed exactly; shared storage is copied once, through the first', () => {
    const r = render(withBackup({ volumes: { components: ['imap', 'admin'] } }));
    assert.deepEqual(annotatedComponents(r), ['admin', 'imap']);
    const sel = schedule(r).spec.template.labelSelector as Selector;
    assert.ok(!selects(sel, { 'app.kubernetes.io/component': 'antispam' }), 'components not chosen are left out');
    const shared = render(withBackup({ volumes: { components: ['imap', 'admin'] } }, { storage: { mode: 'shared' } }));
    assert.deepEqual(annotatedComponents(shared), ['imap']);
  });

  it('schedule, retention, Velero namespace and location are passed on; long names stay valid', async (t) => {
    const r = render(withBackup({ schedule: '15  1 * * SUN', retentionDays: 7, volumes: { veleroNamespace: 'backup-system' } }));
    const s = schedule(r);
    assert.equal(s.spec.schedule, '15 1 * * SUN');
    assert.equal(s.spec.template.ttl, '168h0m0s');
    assert.equal(s.metadata.namespace, 'backup-system');
    const name = veleroScheduleName('a'.repeat(40), 'b'.repeat(63));
    assert.ok(name.length <= 48, name);
    assert.notEqual(name, veleroScheduleName('a'.repeat(40), `${'b'.repeat(62)}c`), 'distinct namespaces, distinct names');
    const long = render(withBackup({}, { instance: 'a'.repeat(40), namespace: 'b'.repeat(63) }));
    await assertValid(t, long.objects);
  });

  it('no backup block, or volumes.method none: no Schedule and no annotations', () => {
    for (const config of [cfg(), withBackup({ volumes: { method: 'none' } }, { database: { type: 'cnpg' } })] as MailuConfigInput[]) {
      const r = render(config);
      assert.equal(r.all('Schedule').length, 0);
      assert.deepEqual(annotatedComponents(r), []);
    }
  });

  it('the checker refuses a Schedule Velero would not accept (so the tests above can fail)', () => {
    const r = render(withBackup({}));
    const bad = structuredClone(schedule(r)) as unknown as { spec: { template: Record<string, unknown>; bogus?: boolean } };
    bad.spec.bogus = true;
    bad.spec.template.labelSelector = { matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'NotIn', values: [] }] };
    const errors = validateManifest(bad);
    assert.ok(errors.some((e) => e.includes('spec.bogus: unknown field')), errors.join('\n'));
    assert.ok(errors.some((e) => e.includes('matchExpressions[0].values: must be non-empty')), errors.join('\n'));
  });
});

describe('backup: refusals name the field', () => {
  it('a component that does not run, a duplicate, snapshot locations with file copies', () => {
    assert.match(messageAt(withBackup({ volumes: { components: ['webdav'] } }), 'backup.volumes.components[0]'), /webdav does not run/);
    assert.match(messageAt(withBackup({ volumes: { components: ['imap', 'imap'] } }), 'backup.volumes.components'), /imap more than once/);
    assert.match(messageAt(withBackup({ volumes: { components: ['front'] } }), 'backup.volumes.components[0]'), /admin|imap/);
    assert.match(messageAt(withBackup({ volumes: { volumeSnapshotLocations: ['x'] } }), 'backup.volumes.volumeSnapshotLocations'), /mode: snapshot/);
    assert.match(messageAt(withBackup({ volumes: { method: 'restic' } }), 'backup.volumes.method'), /velero|none/);
  });

  it('backup.database without a CloudNativePG database', () => {
    assert.match(messageAt(withBackup({ database: { method: 'volumeSnapshot' } }), 'backup.database'), /database.type is "sqlite".*admin's volume/);
    const pg = { type: 'postgresql', host: 'pg.example.net', secret: { name: 'db' } } as const;
    assert.match(messageAt(withBackup({ database: { method: 'volumeSnapshot' } }, { database: pg }), 'backup.database'), /"postgresql".*where it runs/);
  });

  it('retention and unknown keys', () => {
    assert.match(messageAt(withBackup({ retentionDays: 0 }), 'backup.retentionDays'), />=1|at least|too small/i);
    assert.match(messageAt(withBackup({ retention: '30d' }), 'backup.retention'), /unknown key.*retentionDays/);
  });

  it('a smtp queue in the backup is allowed with a warning', () => {
    assert.ok(render(withBackup({ volumes: { components: ['smtp'] } })).warnings.some((w) => /smtp's queue sends/.test(w)));
  });
});

describe('backup: CloudNativePG database', () => {
  const cnpg = { database: { type: 'cnpg' } } as const;

  it('volumeSnapshot: Cluster.spec.backup.volumeSnapshot and a six-field ScheduledBackup, valid against the CRD', async (t) => {
    const r = render(withBackup({ schedule: '30 2 * * *', database: { method: 'volumeSnapshot', className: 'longhorn-snap' } }, cnpg));
    const cluster = r.get('Cluster', 'mailu-db').spec as { backup: { volumeSnapshot: Record<string, unknown> } };
    assert.deepEqual(cluster.backup.volumeSnapshot, { className: 'longhorn-snap', online: true, snapshotOwnerReference: 'none' });
    const sb = r.get('ScheduledBackup', 'mailu-db').spec as Record<string, unknown>;
    assert.equal(sb.schedule, '0 30 2 * * *', "CloudNativePG's cron starts with seconds");
    assert.deepEqual(sb.cluster, { name: 'mailu-db' });
    assert.equal(sb.method, 'volumeSnapshot');
    assert.equal(sb.backupOwnerReference, 'none', 'backups outlive the ScheduledBackup');
    assert.ok(r.warnings.some((w) => /does not expire volume-snapshot backups/.test(w)));
    await assertValid(t, r.objects);
  });

  it('barmanObjectStore: S3 credentials only as Secret references, retention in days, valid against the CRDs', async (t) => {
    const r = render(
      withBackup(
        {
          retentionDays: 14,
          database: { method: 'barmanObjectStore', destinationPath: 's3://mailu-backups/prod', endpointURL: 'https://s3.example.net', s3Credentials: { secret: 'mailu-s3', regionKey: 'REGION' } },
        },
        cnpg,
      ),
    );
    const backup = (r.get('Cluster', 'mailu-db').spec as { backup: Record<string, unknown> }).backup;
    assert.equal(backup.retentionPolicy, '14d');
    assert.deepEqual((backup.barmanObjectStore as { s3Credentials: unknown }).s3Credentials, {
      accessKeyId: { name: 'mailu-s3', key: 'ACCESS_KEY_ID' },
      secretAccessKey: { name: 'mailu-s3', key: 'ACCESS_SECRET_KEY' },
      region: { name: 'mailu-s3', key: 'REGION' },
    });
    assert.equal(r.all('Secret').length, 0, 'no Secret is ever written');
    assert.equal((r.get('ScheduledBackup', 'mailu-db').spec as { method: string }).method, 'barmanObjectStore');
    await assertValid(t, r.objects);
    const iam = render(withBackup({ database: { method: 'barmanObjectStore', destinationPath: 's3://mailu-backups', s3Credentials: { inheritFromIAMRole: true } } }, cnpg));
    assert.deepEqual((iam.get('Cluster', 'mailu-db').spec as { backup: { barmanObjectStore: { s3Credentials: unknown } } }).backup.barmanObjectStore.s3Credentials, { inheritFromIAMRole: true });
  });

  it('an object store on another port is reachable from the database pods, and only then', () => {
    const dbPod = podIn('mailu', { 'cnpg.io/cluster': 'mailu-db' });
    const policies = (config: MailuConfigInput) => render(config).all('NetworkPolicy') as unknown as NetworkPolicy[];
    const store = { method: 'barmanObjectStore', destinationPath: 's3://mailu-backups', s3Credentials: { secret: 's3' } };
    const minio = policies(withBackup({ database: { ...store, endpointURL: 'http://minio.storage:9000' } }, cnpg));
    assert.ok(egressAllows(minio, dbPod, INTERNET, 9000));
    assert.ok(egressAllows(minio, dbPod, podIn('storage', { app: 'minio' }), 9000), 'an in-cluster MinIO pod too');
    assert.ok(!egressAllows(policies(withBackup({ database: store }, cnpg)), dbPod, INTERNET, 9000));
  });

  it('refuses credentials given twice or not at all, and paths and URLs that are not S3', () => {
    const store = (over: Record<string, unknown>) => withBackup({ database: { method: 'barmanObjectStore', destinationPath: 's3://mailu-backups', s3Credentials: { secret: 's3' }, ...over } }, cnpg);
    assert.match(messageAt(store({ s3Credentials: {} }), 'backup.database.s3Credentials.secret'), /is required/);
    assert.match(messageAt(store({ s3Credentials: { secret: 's3', inheritFromIAMRole: true } }), 'backup.database.s3Credentials.secret'), /not both/);
    assert.match(messageAt(store({ destinationPath: 'mailu-backups' }), 'backup.database.destinationPath'), /s3:\/\/bucket/);
    assert.match(messageAt(store({ endpointURL: 'ftp://x' }), 'backup.database.endpointURL'), /http\(s\) URL/);
    assert.match(messageAt(store({ endpointURL: 'https://key:secret@s3.example.net' }), 'backup.database.endpointURL'), /without credentials/);
    // A key value where a Secret reference belongs is refused, pointing at the reference field.
    assert.match(messageAt(store({ s3Credentials: { secret: 's3', accessKeyId: 'AKIA…' } }), 'backup.database.s3Credentials.accessKeyId'), /did you mean "accessKeyIdKey"/);
  });

  it('warns when the CloudNativePG database is left out of a backup', () => {
    assert.ok(render(withBackup({}, cnpg)).warnings.some((w) => /backup.database: not set/.test(w)));
  });
});

describe('backup: BASE stays as it was', () => {
  it('the default config renders no backup objects', () => {
    const r = render(BASE);
    assert.equal(r.objects.filter((o) => o.kind === 'Schedule' || o.kind === 'ScheduledBackup').length, 0);
  });
});
