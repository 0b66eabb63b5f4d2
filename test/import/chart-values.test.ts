// The chart's own values files: its defaults (values.yaml) and what its CI installs with. Both
// import, the result synthesizes strictly valid objects, every value of the file is accounted for
// in the report, and the importer's idea of the chart's defaults is the chart's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { CHART_DEFAULTS } from '../../src/import/chart-defaults.js';
import { formatReport, importedConfigYaml, importHelmValues, type ImportResult } from '../../src/import/index.js';
import { isMap, leafPaths } from '../../src/import/values.js';
import { parseConfig } from '../../src/validation/index.js';
import { assertValid, render } from '../support/chart-helpers.js';
import { ciValues, defaultValues } from './chart-fixture.js';

function valueAt(root: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((cur, seg) => (isMap(cur) ? cur[seg] : undefined), root);
}

/** Every value of the file has a line in the report. */
function assertAccounted(values: Record<string, unknown>, r: ImportResult): void {
  const missing = leafPaths(values).filter((p) => !r.report.covers(p));
  assert.deepEqual(missing, [], 'every chart value is mapped, default, unsupported, refused, secret or placeholder');
}

describe('the importer\'s chart defaults', () => {
  it('are the values the chart\'s values.yaml has', () => {
    const chart = defaultValues();
    for (const p of leafPaths(CHART_DEFAULTS as unknown as Record<string, unknown>)) {
      assert.deepEqual(valueAt(CHART_DEFAULTS, p), valueAt(chart, p), p);
    }
  });
});

describe('import of the chart\'s default values.yaml', () => {
  const values = defaultValues();
  const r = importHelmValues(values);

  it('accounts for every value', () => assertAccounted(values, r));

  it('takes over the chart\'s single claim, mailu-storage for release mailu', () => {
    const c = parseConfig(r.config);
    assert.equal(c.storage.mode, 'helmChart');
    assert.deepEqual(c.storage.helmChart, { claimName: 'mailu-storage' });
    assert.ok(r.report.steps.includes('kubectl -n mailu annotate pvc mailu-storage helm.sh/resource-policy=keep'));
  });

  it('keeps what the release runs: Tika (on in the chart, off in mailu-k8s), Roundcube, ClamAV, hostPort front, the Ingress', () => {
    const c = parseConfig(r.config);
    assert.equal(c.components.tika, true);
    assert.equal(c.components.webmail, 'roundcube');
    assert.equal(c.components.antivirus, true);
    assert.equal(c.exposure.mode, 'hostPort');
    assert.equal(c.web.kind, 'ingress');
    assert.equal(c.cluster.podCidr, '10.42.0.0/16');
  });

  it('writes placeholders for what the chart requires but its defaults leave empty, and says so', () => {
    const placeholders = r.report.entries.filter((e) => e.status === 'placeholder').flatMap((e) => e.chart);
    assert.deepEqual(placeholders.sort(), ['domain', 'hostnames', 'ingress.enabled', 'ingress.ingressClassName'].sort());
    const yaml = importedConfigYaml(r, 'values.yaml');
    assert.match(yaml, /# TODO: domain empty in the values/);
  });

  it('synthesizes strictly valid objects', async (t) => {
    await assertValid(t, render(r.config).objects);
  });

  it('the YAML reads back as the same config, commented with where each key came from', () => {
    const yaml = importedConfigYaml(r, 'values.yaml');
    assert.deepEqual(parse(yaml), JSON.parse(JSON.stringify(r.config)));
    assert.match(yaml, /# from the chart's persistence\.single_pvc.*\n\s+mode: helmChart/);
    assert.match(yaml, /# from the chart's subnet\n\s+podCidr: 10\.42\.0\.0\/16/);
  });

  it('never carries the default PostgreSQL password into the config or the report', () => {
    const text = importedConfigYaml(r, 'values.yaml') + formatReport(r.report, 'values.yaml');
    assert.ok(!text.includes('changeme'));
    assert.ok(r.report.entries.some((e) => e.status === 'secret' && e.chart.includes('postgresql.auth.postgresPassword')));
  });
});

describe('import of the chart\'s CI values', () => {
  const values = ciValues();
  const r = importHelmValues(values, { release: 'mailu', namespace: 'mail' });
  const c = parseConfig(r.config);

  it('accounts for every value', () => assertAccounted(values, r));

  it('takes over the per-component claims (persistence.single_pvc: false)', () => {
    assert.deepEqual(c.storage.helmChart, {
      claims: { admin: 'mailu-admin', imap: 'mailu-dovecot', smtp: 'mailu-postfix', antispam: 'mailu-rspamd', webmail: 'mailu-webmail' },
    });
  });

  it('points the database at the release\'s PostgreSQL and says it must move before uninstalling', () => {
    assert.equal(c.database.type, 'postgresql');
    assert.ok(c.database.type === 'postgresql' && c.database.host === 'mailu-postgresql' && c.database.name === 'mailu');
    const e = r.report.entries.find((x) => x.chart.includes('postgresql.enabled'));
    assert.match(e!.note, /helm uninstall removes/);
    assert.ok(r.report.steps.some((s) => s.startsWith('kubectl -n mail create secret generic mailu-db --from-literal=username=mailu --from-literal=password="$(kubectl -n mail get secret mailu-postgresql ')));
  });

  it('maps resources, Tika\'s languages and the self-signed certificate; per-component log levels are reported', () => {
    assert.deepEqual(c.resources.smtp, { requests: { memory: '2Gi', cpu: '100m' }, limits: { memory: '2Gi', cpu: '1' } });
    assert.equal(c.mailu.fullTextSearch, 'en,fr');
    assert.deepEqual(c.tls, { source: 'secret', secretName: 'mailu-tls' });
    const level = r.report.entries.find((e) => e.chart.includes('admin.logLevel'));
    assert.equal(level?.status, 'unsupported');
    assert.match(level!.note, /admin DEBUG/);
  });

  it('every step is a well-formed shell command', () => {
    for (const s of r.report.steps) {
      const res = spawnSync('bash', ['-n'], { input: s, encoding: 'utf8' });
      assert.equal(res.status, 0, `${s}\n${res.stderr}`);
    }
  });

  it('never carries chang3m3! (its secret key, admin password, API token and database password) anywhere', () => {
    const text = importedConfigYaml(r, 'ci.yaml') + formatReport(r.report, 'ci.yaml') + JSON.stringify(r.config);
    assert.ok(!text.includes('chang3m3'));
    for (const p of ['secretKey', 'initialAccount.password', 'api.token', 'postgresql.postgresqlPassword']) {
      assert.ok(r.report.entries.some((e) => e.status === 'secret' && e.chart.includes(p)), p);
    }
  });

  it('synthesizes strictly valid objects', async (t) => {
    await assertValid(t, render(r.config).objects);
  });
});
