// database × webmail × optional components: every combination validates strictly and is wired
// the way Mailu needs it — addresses point at Services with the right ports, secrets only by
// reference, start-up gates open, probes sane, storage and labels right, the call graph allowed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MailuConfigInput } from '../../src/config/schema.js';
import {
  ADDRESS_PORTS,
  MAILU_LABEL_KEYS,
  assertValid,
  cfg,
  frontListensOn,
  mailuCalls,
  mayConnect,
  needsShell,
  numList,
  probeBudget,
  render,
  serviceNameOf,
  type Rendered,
} from '../support/chart-helpers.js';

type Db = NonNullable<MailuConfigInput['database']>;
type Components = NonNullable<MailuConfigInput['components']>;

const DATABASES: Record<string, Db> = {
  sqlite: { type: 'sqlite' },
  'postgresql (+Roundcube db)': {
    type: 'postgresql',
    host: 'pg.example.net',
    secret: { name: 'mailu-db' },
    roundcube: { name: 'roundcube', secret: { name: 'roundcube-db', usernameKey: 'user', passwordKey: 'pass' } },
  },
  mysql: { type: 'mysql', host: '192.0.2.40', port: 3307, name: 'mail', secret: { name: 'mailu-db' } },
  cnpg: { type: 'cnpg', instances: 3 },
};
const WEBMAILS = ['roundcube', 'snappymail', 'none'] as const;
const OPTIONALS: Record<string, Omit<Components, 'webmail'>> = {
  minimal: { admin: false, antivirus: false, oletools: false, webdav: false, fetchmail: false, tika: false },
  defaults: {},
  everything: { webdav: true, fetchmail: true, tika: true, antivirus: true, oletools: true },
};

// Env names that would hold secret values: they must only ever come from secretKeyRef.
const SECRETISH = /(^|_)(PW|PASSWORD|PASS|TOKEN|SECRET_KEY)$|^(DB_USER|RELAYUSER|ROUNDCUBE_DB_USER)$/;

function expectedComponents(db: Db, webmail: string, o: Omit<Components, 'webmail'>): string[] {
  void db;
  const list = ['front', 'admin', 'smtp', 'imap', 'antispam', 'resolver', 'redis'];
  if (o.antivirus ?? true) list.push('antivirus');
  if (o.oletools ?? true) list.push('oletools');
  if (o.webdav) list.push('webdav');
  if (o.fetchmail) list.push('fetchmail');
  if (o.tika) list.push('tika');
  if (webmail !== 'none') list.push('webmail');
  return list.sort();
}

function checkAddresses(r: Rendered): void {
  const env = r.env();
  const svcs = new Map(r.all('Service').map((s) => [s.metadata.name, s]));
  const addressKeys = Object.keys(env).filter((k) => k.endsWith('_ADDRESS'));
  for (const key of addressKeys) {
    const want = ADDRESS_PORTS[key];
    assert.ok(want, `${key} is a Mailu address variable`);
    const name = serviceNameOf(env[key]!, r.namespace);
    assert.ok(name, `${key}=${env[key]} is a Service FQDN in ${r.namespace}`);
    const svc = svcs.get(name) as unknown as { spec: { selector: Record<string, string>; ports: { port: number; targetPort: number }[] } } | undefined;
    assert.ok(svc, `${key} → Service ${name} exists`);
    const offered = svc.spec.ports.map((p) => p.port);
    const needed = [...want.ports, ...(key === 'FRONT_ADDRESS' && !numList(env.PROXY_PROTOCOL).includes(25) ? [25] : [])];
    for (const p of needed) assert.ok(offered.includes(p), `${name} offers ${p} (for ${key})`);
    if (key === 'FRONT_ADDRESS') {
      // Every front Service port must be a port Mailu's front really opens (no dead 14190).
      const listens = frontListensOn(env);
      for (const p of offered) assert.ok(listens.includes(p), `${name}:${p} is a port front listens on with PORTS=${env.PORTS}`);
      if (env.WEBMAIL !== 'none') assert.ok(offered.includes(14190), `${name} offers 14190 (webmail's sieve)`);
    }
    assert.equal(svc.spec.selector['app.kubernetes.io/component'], want.component, `${key} selects ${want.component}`);
    const containerPorts = (r.container(want.component).ports ?? []).map((p) => p.containerPort);
    for (const p of svc.spec.ports) assert.ok(containerPorts.includes(p.targetPort), `${name}:${p.port} → a port ${want.component} listens on`);
  }
  // A feature that is on must have its address; core services always do.
  const needs: [boolean, string][] = [
    [true, 'ADMIN_ADDRESS'],
    [true, 'FRONT_ADDRESS'],
    [true, 'SMTP_ADDRESS'],
    [true, 'IMAP_ADDRESS'],
    [true, 'ANTISPAM_ADDRESS'],
    [true, 'REDIS_ADDRESS'],
    [env.ANTIVIRUS === 'clamav', 'ANTIVIRUS_ADDRESS'],
    [env.SCAN_MACROS === 'true', 'OLETOOLS_ADDRESS'],
    [env.FULL_TEXT_SEARCH_ATTACHMENTS === 'true', 'FTS_ATTACHMENTS_ADDRESS'],
    [env.WEBMAIL !== 'none', 'WEBMAIL_ADDRESS'],
    [env.WEBDAV !== 'none', 'WEBDAV_ADDRESS'],
  ];
  for (const [on, key] of needs) if (on) assert.ok(env[key], `${key} set`);
}

function checkSecrets(r: Rendered): void {
  assert.equal(r.all('Secret').length, 0, 'no Secret objects: values never pass through mailu-k8s');
  for (const k of Object.keys(r.env())) assert.ok(!SECRETISH.test(k), `shared ConfigMap holds no secret (${k})`);
  for (const comp of r.components()) {
    for (const e of r.container(comp).env ?? []) {
      if (SECRETISH.test(e.name)) {
        assert.equal(e.value, undefined, `${comp} ${e.name} has no literal value`);
        assert.ok(e.valueFrom?.secretKeyRef?.name && e.valueFrom.secretKeyRef.key, `${comp} ${e.name} comes from a Secret`);
      }
    }
  }
}

function checkWorkloads(r: Rendered): void {
  const resolverIp = r.service(`${r.instance}-resolver`).spec?.clusterIP;
  assert.ok(resolverIp, 'the resolver has a fixed ClusterIP');
  for (const comp of r.components()) {
    const w = r.workload(comp);
    const spec = r.podSpec(comp);
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      for (const k of ['cpu', 'memory']) assert.ok(c.resources?.requests?.[k] && c.resources.limits?.[k], `${comp}/${c.name} ${k} resources`);
      for (const p of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
        const cmd = p?.exec?.command;
        if (cmd && needsShell(cmd.join(' '))) assert.deepEqual(cmd.slice(0, 2), ['/bin/sh', '-c'], `${comp}: ${cmd.join(' ')}`);
      }
    }
    const rwo = (spec.volumes ?? []).some((v) => {
      const name = v.persistentVolumeClaim?.claimName;
      const pvc = name ? (r.find('PersistentVolumeClaim', name) as unknown as { spec: { accessModes: string[] } } | undefined) : undefined;
      return pvc?.spec.accessModes.includes('ReadWriteOnce') ?? false;
    });
    if (rwo) assert.equal((w.spec as { strategy?: { type: string } }).strategy?.type, 'Recreate', `${comp} holds an RWO claim`);
    if (comp !== 'resolver') assert.deepEqual(spec.dnsConfig?.nameservers, [resolverIp], `${comp} resolves through the validating resolver`);
  }
  for (const o of [...r.all('Deployment'), ...r.all('DaemonSet'), ...r.all('Service')]) {
    for (const k of MAILU_LABEL_KEYS) assert.ok(o.metadata.labels?.[k], `${o.kind}/${o.metadata.name} has ${k}`);
    assert.equal(o.metadata.labels?.['app.kubernetes.io/name'], 'mailu');
    assert.equal(o.metadata.labels?.['app.kubernetes.io/instance'], r.instance);
    assert.equal(o.metadata.labels?.['app.kubernetes.io/managed-by'], 'mailu-k8s');
  }
  const antispam = r.container('antispam');
  assert.ok(probeBudget(antispam.startupProbe ?? antispam.livenessProbe) >= 350, 'rspamd may take 350 s to start');
}

function checkDatabase(r: Rendered, dbName: string, db: Db, webmail: string): void {
  const env = r.env();
  const admin = r.container('admin').env ?? [];
  const ref = (list: typeof admin, name: string) => list.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
  const cluster = r.all('Cluster');
  assert.equal(cluster.length, db.type === 'cnpg' ? 1 : 0, 'a CNPG Cluster exactly for cnpg');
  if (db.type === 'sqlite') {
    assert.equal(env.DB_FLAVOR, 'sqlite');
    assert.equal(env.DB_HOST, undefined);
    assert.equal(ref(admin, 'DB_PW'), undefined);
    return;
  }
  assert.equal(env.DB_FLAVOR, db.type === 'mysql' ? 'mysql' : 'postgresql', dbName);
  const secretName = db.type === 'cnpg' ? `${r.instance}-db-app` : db.secret.name;
  assert.deepEqual(ref(admin, 'DB_USER'), { name: secretName, key: 'username' });
  assert.deepEqual(ref(admin, 'DB_PW'), { name: secretName, key: 'password' });
  if (db.type === 'cnpg') {
    assert.equal(env.DB_HOST, `${r.instance}-db-rw.${r.namespace}.svc.cluster.local:5432`);
    assert.equal((cluster[0]!.spec as { instances: number }).instances, 3);
    assert.equal(cluster[0]!.metadata.name, `${r.instance}-db`, 'CNPG names the rw Service and the app Secret after it');
  } else if (db.type === 'mysql') {
    assert.equal(env.DB_HOST, '192.0.2.40:3307');
    assert.equal(env.DB_NAME, 'mail');
  } else {
    assert.equal(env.DB_HOST, 'pg.example.net:5432');
  }
  // Roundcube keeps its own tables in a database when there is one; SnappyMail needs none.
  const wm = webmail === 'none' ? [] : (r.container('webmail').env ?? []);
  const rcDb = webmail === 'roundcube' && (db.type === 'cnpg' || (db.type === 'postgresql' && db.roundcube));
  assert.equal(wm.some((e) => e.name.startsWith('ROUNDCUBE_DB')), Boolean(rcDb), `Roundcube DB wiring (${dbName}, ${webmail})`);
  if (rcDb && db.type === 'postgresql') assert.deepEqual(ref(wm, 'ROUNDCUBE_DB_PW'), { name: 'roundcube-db', key: 'pass' });
  if (rcDb && db.type === 'cnpg') assert.deepEqual(ref(wm, 'ROUNDCUBE_DB_PW'), { name: secretName, key: 'password' });
}

describe('chart matrix: database × webmail × optional components', () => {
  for (const [dbName, db] of Object.entries(DATABASES)) {
    for (const webmail of WEBMAILS) {
      for (const [optName, opt] of Object.entries(OPTIONALS)) {
        it(`${dbName} × webmail ${webmail} × ${optName}`, async (t) => {
          const r = render(cfg({ database: db, components: { ...opt, webmail } }));
          await assertValid(t, r.objects);
          assert.deepEqual(r.components().sort(), expectedComponents(db, webmail, opt));
          const env = r.env();

          // Start-up gate: admin sleeps forever on "unsupported system" without one of these.
          assert.equal(env.I_KNOW_MY_SETUP_DOESNT_FIT_REQUIREMENTS_AND_WONT_FILE_ISSUES_WITHOUT_PATCHES, 'true');
          assert.ok((r.container('admin').envFrom ?? []).some((e) => e.configMapRef?.name === `${r.instance}-env`), 'admin reads the shared env');
          // Front treats an unset WEBMAIL/WEBDAV as enabled: they are always explicit.
          assert.equal(env.ADMIN, String(opt.admin ?? true));
          assert.equal(env.WEBMAIL, webmail);
          assert.equal(env.WEBDAV, opt.webdav ? 'radicale' : 'none');
          assert.equal(env.ANTIVIRUS, opt.antivirus ?? true ? 'clamav' : 'none');
          assert.equal(env.SCAN_MACROS, String(opt.oletools ?? true));
          // Absent when off: dovecot's template would read the string "false" as true.
          assert.equal(env.FULL_TEXT_SEARCH_ATTACHMENTS, opt.tika ? 'true' : undefined);
          assert.equal(env.FETCHMAIL_ENABLED, String(opt.fetchmail ?? false));
          assert.equal(env.WEBROOT_REDIRECT, webmail !== 'none' ? '/webmail' : opt.admin === false ? 'none' : '/admin');

          checkAddresses(r);
          checkSecrets(r);
          checkWorkloads(r);
          checkDatabase(r, dbName, db, webmail);

          const policies = r.policies();
          for (const c of mailuCalls(r.components(), { port25Proxied: false })) {
            assert.ok(mayConnect(policies, r.pod(c.from), r.pod(c.to), c.port, c.protocol ?? 'TCP'), `${c.from} → ${c.to}:${c.port}/${c.protocol ?? 'TCP'}`);
          }
        });
      }
    }
  }
});

describe('chart wiring details', () => {
  it('external Redis: no bundled Redis, REDIS_ADDRESS is the host, admin and antispam may reach it', () => {
    const r = render(cfg({ redis: { mode: 'external', host: 'redis.example.net' } }));
    assert.ok(!r.components().includes('redis'));
    assert.equal(r.env().REDIS_ADDRESS, 'redis.example.net');
    assert.equal(r.find('Service', `${r.instance}-redis`), undefined);
    const policies = r.policies();
    const redis = { ip: '192.0.2.60' };
    assert.ok(mayConnect(policies, r.pod('admin'), redis, 6379));
    assert.ok(mayConnect(policies, r.pod('antispam'), redis, 6379));
    assert.ok(!mayConnect(policies, r.pod('smtp'), redis, 6379));
  });

  it('initial admin and API token come from Secrets by reference', () => {
    const r = render(
      cfg({ secrets: { initialAdmin: { username: 'boss', secret: { name: 'admin-pw' }, mode: 'update' }, apiToken: { name: 'api', key: 'token' }, secretKey: { name: 'sk', key: 'k' } } }),
    );
    const env = r.env();
    assert.equal(env.INITIAL_ADMIN_ACCOUNT, 'boss');
    assert.equal(env.INITIAL_ADMIN_DOMAIN, 'example.com');
    assert.equal(env.INITIAL_ADMIN_MODE, 'update');
    assert.equal(env.API, 'true');
    const admin = r.container('admin').env ?? [];
    assert.deepEqual(admin.find((e) => e.name === 'INITIAL_ADMIN_PW')?.valueFrom, { secretKeyRef: { name: 'admin-pw', key: 'password' } });
    assert.deepEqual(admin.find((e) => e.name === 'API_TOKEN')?.valueFrom, { secretKeyRef: { name: 'api', key: 'token' } });
    for (const comp of r.components()) {
      const sk = (r.container(comp).env ?? []).find((e) => e.name === 'SECRET_KEY');
      if (sk) assert.deepEqual(sk.valueFrom, { secretKeyRef: { name: 'sk', key: 'k' } }, comp);
    }
    checkSecrets(r);
  });

  it('mailu.env extras reach the shared environment', () => {
    const r = render(cfg({ mailu: { env: { DEFAULT_SPAM_THRESHOLD: '90', SITENAME: 'Hello' } } }));
    assert.equal(r.env().DEFAULT_SPAM_THRESHOLD, '90');
    assert.equal(r.env().SITENAME, 'Hello');
  });

  it('message size limit is given to Mailu in bytes', () => {
    assert.equal(render(cfg({ mailu: { messageSizeLimit: '25Mi' } })).env().MESSAGE_SIZE_LIMIT, String(25 * 1024 * 1024));
    assert.equal(render(cfg({ mailu: { messageSizeLimit: '10MB' } })).env().MESSAGE_SIZE_LIMIT, '10000000');
  });

  it('a second instance in another namespace shares no object identity with the first', () => {
    const a = render(cfg());
    const b = render(cfg({ instance: 'mail2', namespace: 'mail2' }));
    const ids = (r: Rendered) => new Set(r.objects.map((o) => `${o.apiVersion}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`));
    const ia = ids(a);
    const shared = [...ids(b)].filter((x) => ia.has(x));
    assert.deepEqual(shared, []);
  });
});
