// The database, Redis and the outgoing relay.
import { copySecretCommand, type ImportContext, set } from './context.js';
import { carry } from './map-identity.js';
import { badValue, subchartFullname } from './values.js';

export function mapBackends(ctx: ImportContext): void {
  mapDatabase(ctx);
  mapRedis(ctx);
  mapRelay(ctx);
}

interface Db {
  type: 'postgresql' | 'mysql';
  host: string;
  port?: number;
  name: string;
  username: string;
  /** The chart's Secret with the password, and its key. */
  from: string;
  passwordKey: string;
  chart: string[];
  note: string;
}

function mapDatabase(ctx: ImportContext): void {
  const { report } = ctx;
  const { v } = ctx;
  const db = subchartDb(ctx, 'postgresql') ?? subchartDb(ctx, 'mariadb') ?? externalDb(ctx);
  for (const [p, on] of [['externalDatabase', v.bool('externalDatabase.enabled')], ['mariadb', v.bool('mariadb.enabled')], ['postgresql', v.bool('postgresql.enabled')]] as const) {
    if (!on && v.has(p)) report.dflt(p, db ? 'off' : 'off: SQLite on admin\'s volume (the chart\'s default), which the claim carries over');
  }
  if (!db) {
    report.dflt(['global.database.roundcube'].filter((p) => v.has(p)), 'only used with a database server');
    return;
  }
  writeDb(ctx, db);
  mapRoundcubeDb(ctx);
  for (const p of ['mariadb', 'postgresql']) {
    const rest = v.bool(`${p}.enabled`) ? v.leaves(p).filter((x) => !report.covers(x)) : [];
    report.unsupported(rest, `settings of the chart's Bitnami ${p} subchart, which mailu-k8s does not run (database.type cnpg runs PostgreSQL with CloudNativePG)`);
  }
}

/** The chart's own PostgreSQL or MariaDB (a Bitnami subchart): an external database to us. */
function subchartDb(ctx: ImportContext, chart: 'postgresql' | 'mariadb'): Db | undefined {
  const { v, release } = ctx;
  if (!v.bool(`${chart}.enabled`)) return undefined;
  const svc = subchartFullname(v, release, chart);
  const auth = (k: string) => v.str(`${chart}.auth.${k}`);
  return {
    type: chart === 'postgresql' ? 'postgresql' : 'mysql',
    host: svc,
    name: auth('database') || 'mailu',
    username: auth('username') || 'mailu',
    from: auth('existingSecret') || svc,
    passwordKey: chart === 'postgresql' ? v.str('postgresql.auth.secretKeys.userPasswordKey') || 'password' : 'mariadb-password',
    chart: [`${chart}.enabled`],
    note: `the database runs in the release's ${chart} subchart (Service ${svc}), which helm uninstall removes (its claim stays): move the data to a database that outlives the release (database.type cnpg, or your own) before uninstalling, then set database.host to it`,
  };
}

function externalDb(ctx: ImportContext): Db | undefined {
  const { v, fullname } = ctx;
  if (!v.bool('externalDatabase.enabled')) return undefined;
  const type = v.str('externalDatabase.type');
  if (type !== 'postgresql' && type !== 'mysql') throw badValue('externalDatabase.type', `must be postgresql or mysql with externalDatabase.enabled (got ${JSON.stringify(type)}; the chart fails on it too)`);
  let host = v.str('externalDatabase.host');
  if (!host) throw badValue('externalDatabase.host', 'is required with externalDatabase.enabled');
  let port = v.num('externalDatabase.port');
  const m = /^(.*):(\d+)$/.exec(host);
  if (m && !host.includes(']') && host.split(':').length === 2) {
    host = m[1]!;
    port ??= Number(m[2]);
  }
  const existing = v.str('externalDatabase.existingSecret');
  return {
    type,
    host,
    ...(port !== undefined ? { port } : {}),
    name: v.str('externalDatabase.database') || 'mailu',
    username: v.str('externalDatabase.username') || 'mailu',
    from: existing || `${fullname}-externaldb`,
    passwordKey: v.str('externalDatabase.existingSecretPasswordKey') || 'password',
    chart: ['externalDatabase.enabled', 'externalDatabase.type', 'externalDatabase.host', 'externalDatabase.port', 'externalDatabase.database'],
    note: '',
  };
}

function writeDb(ctx: ImportContext, db: Db): void {
  const { v, out, report, instance } = ctx;
  set(out, 'database', { type: db.type, host: db.host, ...(db.port !== undefined ? { port: db.port } : {}), name: db.name });
  report.mapped(db.chart, ['database.type', 'database.host', ...(db.port !== undefined ? ['database.port'] : []), 'database.name'], db.note);
  const external = v.bool('externalDatabase.enabled');
  const existing = external ? v.str('externalDatabase.existingSecret') : '';
  const secretPaths = external
    ? ['externalDatabase.username', 'externalDatabase.existingSecret', 'externalDatabase.existingSecretUsernameKey', 'externalDatabase.existingSecretPasswordKey', 'externalDatabase.existingSecretDatabaseKey']
    : [db.chart[0]!.replace(/\.enabled$/, '.auth')];
  if (existing) {
    // The chart read the user name from the Secret when it had the key, else from the values.
    const usernameKey = v.str('externalDatabase.existingSecretUsernameKey') || 'username';
    set(out, 'database.secret', { name: existing, usernameKey, passwordKey: db.passwordKey });
    report.mapped(secretPaths, 'database.secret', `your Secret, used as it is: it must hold the user name under ${usernameKey} too`);
    return;
  }
  const ours = `${instance}-db`;
  set(out, 'database.secret', { name: ours });
  report.mapped(secretPaths, 'database.secret', `the user name ${db.username} and the password from the Secret ${db.from}, copied to ${ours} (command below)`);
  report.step(copySecretCommand(ctx, { from: db.from, to: ours, keys: [[db.passwordKey, 'password']], literals: [['username', db.username]] }));
}

/** Roundcube's own database sits next to Mailu's (the chart names its user and Secret apart). */
function mapRoundcubeDb(ctx: ImportContext): void {
  const { v, out, report, instance } = ctx;
  if (!v.bool('webmail.enabled') || v.str('webmail.type') === 'snappymail') {
    report.dflt(['global.database.roundcube'].filter((p) => v.has(p)), 'no Roundcube');
    return;
  }
  const r = (k: string) => v.str(`global.database.roundcube.${k}`);
  const ours = `${instance}-roundcube-db`;
  set(out, 'database.roundcube', { name: r('database') || 'roundcube', secret: { name: ours } });
  report.mapped(['global.database.roundcube.database', 'global.database.roundcube.username'].filter((p) => v.has(p)).concat('webmail.enabled'), 'database.roundcube', 'Roundcube\'s database on the same server');
  const from = r('existingSecret') || 'mailu-roundcube';
  const key = (r('existingSecret') && r('existingSecretPasswordKey')) || 'roundcube-db-password';
  report.step(copySecretCommand(ctx, { from, to: ours, keys: [[key, 'password']], literals: [['username', r('username') || 'roundcube']] }));
  if (v.has('global.database.roundcube.existingSecret') || v.has('global.database.roundcube.existingSecretPasswordKey')) {
    report.mapped(['global.database.roundcube.existingSecret', 'global.database.roundcube.existingSecretPasswordKey'], 'database.roundcube.secret', `copied from ${from} with the user name (command below)`);
  }
}

function mapRedis(ctx: ImportContext): void {
  const { v, out, report } = ctx;
  const external = !v.bool('redis.enabled') && v.bool('externalRedis.enabled');
  if (external) {
    const host = v.str('externalRedis.host');
    if (!host) throw badValue('externalRedis.host', 'is required with externalRedis.enabled');
    set(out, 'redis', { mode: 'external', host, port: v.num('externalRedis.port') ?? 6379 });
    report.mapped(['externalRedis.enabled', 'externalRedis.host', 'externalRedis.port', 'redis.enabled'].filter((p) => v.has(p)), 'redis');
    for (const [k, d] of [['adminQuotaDbId', 1], ['adminRateLimitDbId', 2], ['rspamdDbId', 0]] as const) {
      const p = `externalRedis.${k}`;
      if (v.has(p) && v.num(p) !== d) report.unsupported(p, 'Mailu 2024.06 uses fixed Redis databases');
      else if (v.has(p)) report.dflt(p, 'Mailu\'s fixed database number');
    }
    return;
  }
  report.dflt(['redis.enabled', 'externalRedis'].filter((p) => v.has(p)), 'mailu-k8s\'s bundled Redis. It starts empty: rspamd\'s learned Bayes statistics and the rate-limit counters stay in the chart\'s Redis (rspamd learns again)');
  if (v.has('redis.master.persistence.size')) carry(ctx, 'redis.master.persistence.size', 'storage.sizes.redis', '1Gi', { note: 'a new claim for the bundled Redis' });
  if (v.has('redis.master.resources')) mapResourceBlock(ctx, 'redis.master.resources', 'redis');
  report.unsupported(v.leaves('redis').filter((x) => !report.covers(x)), 'settings of the chart\'s Bitnami Redis subchart; mailu-k8s runs its own Redis (redis.image)');
}

function mapRelay(ctx: ImportContext): void {
  const { v, out, report, fullname, instance } = ctx;
  const raw = v.str('externalRelay.host');
  if (!raw) {
    report.dflt(['externalRelay.host', 'externalRelay.existingSecret', 'externalRelay.usernameKey', 'externalRelay.passwordKey'].filter((p) => v.has(p)), 'no relay: mail leaves from the nodes (egress.mode nodeIps)');
    return;
  }
  // Postfix's spelling: [host]:port or host:port.
  const m = /^\[?([^\]:]+)\]?(?::(\d+))?$/.exec(raw);
  if (!m) throw badValue('externalRelay.host', `expected host, [host] or [host]:port (got ${JSON.stringify(raw)})`);
  set(out, 'egress', { mode: 'relay', host: m[1], ...(m[2] ? { port: Number(m[2]) } : {}) });
  report.mapped('externalRelay.host', ['egress.mode', 'egress.host', ...(m[2] ? ['egress.port'] : [])]);
  const existing = v.str('externalRelay.existingSecret');
  const uKey = v.str('externalRelay.usernameKey') || 'relay-username';
  const pKey = v.str('externalRelay.passwordKey') || 'relay-password';
  const keys = ['externalRelay.existingSecret', 'externalRelay.usernameKey', 'externalRelay.passwordKey'].filter((p) => v.has(p));
  if (existing) {
    set(out, 'egress.secret', { name: existing, usernameKey: uKey, passwordKey: pKey });
    report.mapped(keys, 'egress.secret', 'your Secret, used as it is');
    return;
  }
  const ours = `${instance}-relay`;
  set(out, 'egress.secret', { name: ours });
  report.mapped(keys.length > 0 ? keys : 'externalRelay.host', 'egress.secret', `filled from the chart's ${fullname}-external-relay (command below)`);
  report.step(copySecretCommand(ctx, { from: `${fullname}-external-relay`, to: ours, keys: [[uKey, 'username'], [pKey, 'password']] }));
}

/** A chart `resources` block (requests/limits of cpu and memory) to resources.<component>. */
export function mapResourceBlock(ctx: ImportContext, chart: string, component: string): void {
  const { v, out, report } = ctx;
  const block = v.map(chart);
  const spec: Record<string, Record<string, unknown>> = {};
  const dropped: string[] = [];
  for (const kind of ['requests', 'limits'] as const) {
    for (const [k, val] of Object.entries(v.map(`${chart}.${kind}`))) {
      if (k === 'cpu' || k === 'memory') (spec[kind] ??= {})[k] = val;
      else dropped.push(`${chart}.${kind}.${k}`);
    }
  }
  for (const k of Object.keys(block)) if (k !== 'requests' && k !== 'limits') dropped.push(`${chart}.${k}`);
  if (dropped.length > 0) report.unsupported(dropped, 'only cpu and memory requests and limits');
  if (Object.keys(spec).length === 0) {
    report.dflt(chart, `empty: mailu-k8s's defaults for ${component}`);
    return;
  }
  set(out, `resources.${component}`, spec);
  report.mapped(chart, `resources.${component}`, 'merged over mailu-k8s\'s defaults');
}
