// storage.mode helmChart: every container mounts exactly the Helm chart's folders at the chart's
// mount paths (read from the vendored chart templates), on the chart's claim, and mailu-k8s
// creates no claim for that data. Components the chart kept elsewhere (ClamAV, Redis) get a new
// claim of their own.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { HELM_CHART_LAYOUT } from '../../src/chart/storage.js';
import { HELM_CHART_COMPONENTS, helmChartClaimPattern } from '../../src/config/helm-chart-claims.js';
import type { MailuConfigInput } from '../../src/config/schema.js';
import { assertValid, cfg, render, type Rendered } from '../support/chart-helpers.js';
import { chartText, singleClaimHelpers, templateMounts, WORKLOAD_TEMPLATES } from './chart-fixture.js';

const ALL_ON = { webdav: true, fetchmail: true, tika: true, antivirus: true, oletools: true } as const;
const OURS: Record<string, string> = { ...Object.fromEntries(Object.entries(HELM_CHART_COMPONENTS).map(([ours, chart]) => [chart, ours])), clamav: 'antivirus' };
const sortMounts = (ms: { subPath?: string; mountPath: string }[]) => ms.map((m) => `${m.subPath} → ${m.mountPath}`).sort();

/** The claim and the `data` mounts of a component's container. */
function dataOf(r: Rendered, comp: string): { claim?: string; mounts: { subPath?: string; mountPath: string }[] } {
  const vol = (r.podSpec(comp).volumes ?? []).find((v) => v.name === 'data');
  const mounts = (r.container(comp).volumeMounts ?? []).filter((m) => m.name === 'data');
  return { ...(vol?.persistentVolumeClaim ? { claim: vol.persistentVolumeClaim.claimName } : {}), mounts };
}

const claims = (r: Rendered) => r.all('PersistentVolumeClaim') as unknown as (PersistentVolumeClaim & { metadata: { name: string } })[];

describe('the vendored chart templates', () => {
  it('name a container and its data mounts in every workload template, all on the single claim except ClamAV', () => {
    const single = singleClaimHelpers();
    assert.deepEqual(single.sort(), ['admin', 'dovecot', 'fetchmail', 'postfix', 'rspamd', 'webdav', 'webmail'].map((c) => `mailu.${c}.claimName`).sort());
    for (const [chart, file] of Object.entries(WORKLOAD_TEMPLATES)) {
      const t = templateMounts(file);
      assert.equal(t.container, chart, file);
      assert.ok(t.mounts.length > 0, `${file} mounts data`);
      if (chart === 'clamav') assert.deepEqual(t.claim, { own: true }, 'ClamAV keeps its signatures on its own StatefulSet claim');
      else assert.deepEqual(t.claim, { helper: `mailu.${chart}.claimName` });
    }
  });

  it('the single claim is <fullname>-storage', () => {
    assert.match(chartText('templates/pvc.yaml'), /name: \{\{ printf "%s-storage" \(include "mailu\.fullname" \. \) \}\}/);
    assert.match(chartText('templates/_helpers.tpl'), /\{\{ include "mailu\.fullname" \. \}\}-storage/);
    assert.ok(helmChartClaimPattern('mailu-storage'), 'the pattern mailu-k8s refuses covers it');
  });

  it('HELM_CHART_LAYOUT is the templates\' layout, component by component', () => {
    for (const [ours, chart] of Object.entries(HELM_CHART_COMPONENTS)) {
      assert.deepEqual(sortMounts([...HELM_CHART_LAYOUT[ours as keyof typeof HELM_CHART_LAYOUT]]), sortMounts(templateMounts(WORKLOAD_TEMPLATES[chart]!).mounts), ours);
    }
  });
});

describe('storage.mode helmChart with the chart\'s single claim', () => {
  const config = cfg({ components: ALL_ON, storage: { mode: 'helmChart', helmChart: { claimName: 'mailu-storage' } } });
  const r = render(config);

  it('every component mounts exactly the chart\'s folders at the chart\'s paths, on its claim', () => {
    for (const [chart, file] of Object.entries(WORKLOAD_TEMPLATES)) {
      if (chart === 'clamav') continue;
      const comp = OURS[chart]!;
      const d = dataOf(r, comp);
      assert.equal(d.claim, 'mailu-storage', `${comp} mounts the chart's claim`);
      assert.deepEqual(sortMounts(d.mounts), sortMounts(templateMounts(file).mounts), `${comp}'s mounts are the chart's ${chart} mounts`);
    }
  });

  it('creates no claim for the chart\'s data: only ClamAV and Redis get new ones', () => {
    const names = claims(r).map((c) => c.metadata.name).sort();
    assert.deepEqual(names, [`${r.instance}-antivirus-data`, `${r.instance}-redis-data`]);
    assert.ok(!names.includes('mailu-storage'));
    const av = dataOf(r, 'antivirus');
    assert.equal(av.claim, `${r.instance}-antivirus-data`);
    const clamav = templateMounts(WORKLOAD_TEMPLATES.clamav!);
    assert.deepEqual(av.mounts.map((m) => m.mountPath), clamav.mounts.map((m) => m.mountPath), 'ClamAV\'s database where the chart had it');
  });

  it('components with data are replaced, never rolled (one writer per folder)', () => {
    for (const comp of ['admin', 'smtp', 'imap', 'antispam', 'webmail', 'webdav', 'fetchmail']) {
      assert.equal((r.workload(comp).spec as { strategy?: { type: string } }).strategy?.type, 'Recreate', comp);
    }
  });

  it('validates strictly', async (t) => {
    await assertValid(t, r.objects);
  });
});

describe('storage.mode helmChart with the chart\'s per-component claims (persistence.single_pvc: false)', () => {
  const claimsByComponent = { admin: 'mailu-admin', imap: 'mailu-dovecot', smtp: 'mailu-postfix', antispam: 'mailu-rspamd', webmail: 'mailu-webmail' };
  const r = render(cfg({ components: ALL_ON, storage: { mode: 'helmChart', helmChart: { claims: claimsByComponent } } }));

  it('each component mounts its own chart claim with the chart\'s folders', () => {
    for (const [comp, claim] of Object.entries(claimsByComponent)) {
      const d = dataOf(r, comp);
      assert.equal(d.claim, claim);
      const chart = HELM_CHART_COMPONENTS[comp as keyof typeof HELM_CHART_COMPONENTS];
      assert.deepEqual(sortMounts(d.mounts), sortMounts(templateMounts(WORKLOAD_TEMPLATES[chart]!).mounts));
    }
  });

  it('a component whose chart claim is not listed (WebDAV, fetchmail newly on) gets a new claim of its own', () => {
    assert.equal(dataOf(r, 'webdav').claim, `${r.instance}-webdav-data`);
    assert.equal(dataOf(r, 'fetchmail').claim, `${r.instance}-fetchmail-data`);
    const names = claims(r).map((c) => c.metadata.name);
    for (const claim of Object.values(claimsByComponent)) assert.ok(!names.includes(claim), `${claim} is not created`);
  });

  it('validates strictly', async (t) => {
    await assertValid(t, r.objects);
  });
});

describe('claims mailu-k8s creates never have a name the chart uses', () => {
  const configs: [string, MailuConfigInput][] = [
    ['perComponent', cfg({ components: ALL_ON })],
    ['shared', cfg({ components: ALL_ON, storage: { mode: 'shared' } })],
    ['helmChart', cfg({ components: ALL_ON, storage: { mode: 'helmChart', helmChart: { claimName: 'mailu-storage' } } })],
    ['cnpg + other instance', cfg({ instance: 'mail', components: ALL_ON, storage: { mode: 'shared' }, database: { type: 'cnpg' } })],
  ];
  for (const [name, config] of configs) {
    it(name, () => {
      for (const c of claims(render(config))) assert.equal(helmChartClaimPattern(c.metadata.name), undefined, c.metadata.name);
    });
  }

  it('the shared claim is <instance>-shared-data (it was <instance>-storage, the chart\'s name for a release of the same name)', () => {
    const r = render(cfg({ storage: { mode: 'shared' } }));
    assert.deepEqual(claims(r).map((c) => c.metadata.name), ['mailu-shared-data']);
    const named = render(cfg({ storage: { mode: 'shared', sharedClaimName: 'mail-volume' } }));
    assert.deepEqual(claims(named).map((c) => c.metadata.name), ['mail-volume']);
  });
});
