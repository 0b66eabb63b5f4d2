// Secrets: never a value from the values file. Our config names Secrets; where the chart made one
// (`helm uninstall` deletes it), the report prints the kubectl command that fills ours from it,
// and a Secret the user made (existingSecret) is referenced as it is.
import { copySecretCommand, type ImportContext, set } from './context.js';
import { badValue, isEmpty } from './values.js';

/** Chart values that hold secret material: reported, never written anywhere. */
export const SECRET_VALUES = [
  'secretKey',
  'initialAccount.password',
  'api.token',
  'externalRelay.username',
  'externalRelay.password',
  'externalDatabase.password',
  'global.database.roundcube.password',
  'database.mysql.roundcubePassword',
  'database.postgresql.roundcubePassword',
  'mariadb.auth.rootPassword',
  'mariadb.auth.password',
  'postgresql.auth.postgresPassword',
  'postgresql.auth.password',
  'postgresql.postgresqlPassword',
  'postgresql.postgresqlPostgresPassword',
  'redis.auth.password',
  'ingress.secrets',
];

/** Values that look secret even where the chart has not been checked (a newer chart's key). */
export const looksSecret = (path: string) => /(password|token|secret[-_]?key|privatekey|^key$)$/i.test(path.split('.').pop() ?? '');

export function reportSecretValues(ctx: ImportContext): void {
  const { v, report } = ctx;
  for (const p of SECRET_VALUES.filter((x) => v.has(x))) {
    if (isEmpty(v.get(p))) report.dflt(p, 'empty');
    else report.secret(p, 'value not copied: mailu-k8s reads every secret from a Secret (the steps below fill ours from the chart\'s)');
  }
}

export function mapSecrets(ctx: ImportContext): void {
  mapSecretKey(ctx);
  mapInitialAccount(ctx);
  mapApi(ctx);
}

function mapSecretKey(ctx: ImportContext): void {
  const { v, out, report, fullname, instance } = ctx;
  const existing = v.str('existingSecret');
  if (existing) {
    set(out, 'secrets.secretKey.name', existing);
    report.mapped('existingSecret', 'secrets.secretKey.name', 'your Secret, key secret-key, used as it is');
    return;
  }
  const ours = `${instance}-secret-key`;
  set(out, 'secrets.secretKey.name', ours);
  report.secret('existingSecret', `empty: the chart keeps SECRET_KEY in its Secret ${fullname}-secret, which helm uninstall deletes: copy it to ${ours} (command below)`, 'secrets.secretKey.name');
  report.step(copySecretCommand(ctx, { from: `${fullname}-secret`, to: ours, keys: [['secret-key', 'secret-key']] }));
}

function mapInitialAccount(ctx: ImportContext): void {
  const { v, out, report, fullname, instance } = ctx;
  if (!v.bool('initialAccount.enabled')) {
    if (v.has('initialAccount')) report.dflt('initialAccount', 'no initial account (the accounts are in the database)');
    return;
  }
  const username = v.str('initialAccount.username');
  set(out, 'secrets.initialAdmin.username', username || 'admin');
  if (username) report.mapped(['initialAccount.enabled', 'initialAccount.username'], 'secrets.initialAdmin.username');
  else report.placeholder('initialAccount.username', 'secrets.initialAdmin.username', 'empty in the values: written as admin');
  const domain = v.str('initialAccount.domain');
  if (domain && domain !== v.str('domain')) {
    report.unsupported('initialAccount.domain', `mailu-k8s creates the initial account in the mail domain (${v.str('domain')}), not ${domain}; the account exists already, so this only matters for a fresh database`);
  } else if (v.has('initialAccount.domain')) report.dflt('initialAccount.domain', 'the mail domain');
  const mode = v.str('initialAccount.mode') || 'update';
  if (!['update', 'create', 'ifmissing'].includes(mode)) throw badValue('initialAccount.mode', `must be one of update, create, ifmissing (got ${JSON.stringify(mode)})`);
  set(out, 'secrets.initialAdmin.mode', mode);
  report.mapped('initialAccount.mode', 'secrets.initialAdmin.mode', mode === 'update' ? 'update resets the account\'s password to the Secret\'s on every start, as the chart did' : '');
  const existing = v.str('initialAccount.existingSecret');
  const key = v.str('initialAccount.existingSecretPasswordKey') || 'initial-account-password';
  if (existing) {
    set(out, 'secrets.initialAdmin.secret', { name: existing, key });
    report.mapped(['initialAccount.existingSecret', 'initialAccount.existingSecretPasswordKey'], 'secrets.initialAdmin.secret', 'your Secret, used as it is');
    return;
  }
  const ours = `${instance}-initial-admin`;
  set(out, 'secrets.initialAdmin.secret', { name: ours, key: 'password' });
  report.secret('initialAccount', `the chart keeps the password in ${fullname}-initial-account, which helm uninstall deletes: copy it to ${ours} (command below)`, 'secrets.initialAdmin.secret');
  report.step(copySecretCommand(ctx, { from: `${fullname}-initial-account`, to: ours, keys: [[key, 'password']] }));
}

function mapApi(ctx: ImportContext): void {
  const { v, out, report, fullname, instance } = ctx;
  if (v.str('api.webPath') && v.str('api.webPath') !== '/api') {
    report.unsupported('api.webPath', 'the API is served at /api (mailu-k8s routes fixed paths)');
  } else if (v.has('api.webPath')) report.dflt('api.webPath', '/api');
  if (!v.bool('api.enabled')) {
    if (v.has('api')) report.dflt('api', 'no API (secrets.apiToken left out)');
    return;
  }
  const existing = v.str('api.existingSecret');
  const key = v.str('api.existingSecretTokenKey') || 'api-token';
  if (existing) {
    set(out, 'secrets.apiToken', { name: existing, key });
    report.mapped(['api.enabled', 'api.existingSecret', 'api.existingSecretTokenKey'], 'secrets.apiToken', 'your Secret, used as it is');
    return;
  }
  const ours = `${instance}-api-token`;
  set(out, 'secrets.apiToken', { name: ours, key: 'api-token' });
  report.mapped('api.enabled', 'secrets.apiToken');
  report.secret('api', `the chart keeps the token in ${fullname}-api, which helm uninstall deletes: copy it to ${ours} (command below)`, 'secrets.apiToken');
  report.step(copySecretCommand(ctx, { from: `${fullname}-api`, to: ours, keys: [[key, 'api-token']] }));
}
