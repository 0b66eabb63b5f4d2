// storage.existingClaims, storage.classes, storage.annotations: a component on a claim you already
// have gets exactly the folders a claim of ours would have and no claim is created for it; classes
// and annotations land on the claims mailu-k8s creates; combinations that cannot mean anything are
// refused naming the field. rspamd's learned state and maps are on antispam's volume.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PersistentVolumeClaim, VolumeMount } from 'kubernetes-types/core/v1.js';
import { assertValid, cfg, render, type Rendered } from '../support/chart-helpers.js';
import { messageAt } from '../support/config-issues.js';

const claims = (r: Rendered) => r.all('PersistentVolumeClaim') as unknown as PersistentVolumeClaim[];
const claimOf = (r: Rendered, c: string) => r.podSpec(c).volumes!.find((v) => v.name === 'data')!.persistentVolumeClaim!.claimName;
const dataMounts = (r: Rendered, c: string) => (r.container(c).volumeMounts ?? []).filter((m: VolumeMount) => m.name === 'data').map((m) => `${m.mountPath}=${m.subPath}`);

describe('storage.existingClaims', () => {
  const before = render(cfg({}));
  const after = render(cfg({ storage: { existingClaims: { imap: 'mailu-imap-data', redis: 'old-redis' } } }));

  it('mounts the claim with the same folders a claim of ours has, and creates none for it', async (t) => {
    for (const c of ['imap', 'redis']) assert.deepEqual(dataMounts(after, c), dataMounts(before, c), c);
    assert.equal(claimOf(after, 'imap'), 'mailu-imap-data');
    assert.equal(claimOf(after, 'redis'), 'old-redis');
    const names = claims(after).map((p) => p.metadata!.name);
    assert.ok(!names.includes('mailu-imap-data') && !names.includes('old-redis'), names.join(', '));
    assert.equal(claims(after).length, claims(before).length - 2);
    await assertValid(t, after.objects);
  });

  it('a previous install\'s claim is picked up in place: the same name, folders and mounts as before', () => {
    const v = before.podSpec('imap').volumes!.find((x) => x.name === 'data')!;
    assert.deepEqual(after.podSpec('imap').volumes!.find((x) => x.name === 'data'), v);
  });

  it('in shared mode, the component leaves the shared claim for its own', () => {
    const r = render(cfg({ storage: { mode: 'shared', existingClaims: { imap: 'old-imap' } } }));
    assert.equal(claimOf(r, 'imap'), 'old-imap');
    assert.deepEqual(dataMounts(r, 'imap'), ['/data=data', '/mail=mail']);
    assert.equal(claimOf(r, 'admin'), 'mailu-shared-data');
  });

  it('in helmChart mode, only components the chart kept elsewhere (antivirus, redis) may take one', () => {
    const r = render(cfg({ storage: { mode: 'helmChart', helmChart: { claimName: 'mail-storage' }, existingClaims: { redis: 'old-redis' } } }));
    assert.equal(claimOf(r, 'redis'), 'old-redis');
    assert.equal(claimOf(r, 'imap'), 'mail-storage');
    const m = messageAt(cfg({ storage: { mode: 'helmChart', helmChart: { claimName: 'mail-storage' }, existingClaims: { imap: 'x' } } }), 'storage.existingClaims.imap');
    assert.match(m, /helmChart already mounts the Helm chart's claim for imap/);
  });

  it('refuses what cannot work, naming the field', () => {
    const at = (existingClaims: Record<string, string>, path: string, extra: Record<string, unknown> = {}) =>
      messageAt(cfg({ storage: { existingClaims, ...extra } as never }), path);
    assert.match(at({ webdav: 'x' }, 'storage.existingClaims.webdav'), /webdav does not run/);
    assert.match(at({ imap: 'shared', admin: 'shared' }, 'storage.existingClaims.admin'), /already imap's claim: two components on one claim/);
    assert.match(at({ imap: 'mailu-admin-data' }, 'storage.existingClaims.imap'), /the claim mailu-k8s creates for admin/);
    assert.match(at({ imap: 'mailu-shared-data' }, 'storage.existingClaims.imap', { mode: 'shared' }), /shared claim/);
    assert.match(at({ imap: 'Old_Claim' }, 'storage.existingClaims.imap'), /not a valid claim name/);
    assert.match(messageAt(cfg({ storage: { existingClaims: { front: 'x' } as never } }), 'storage.existingClaims.front'), /./);
  });
});

describe('storage.classes and storage.annotations', () => {
  it('a class per component over storageClass; annotations on every claim we create, ours kept', async (t) => {
    const r = render(cfg({ storage: { storageClass: 'standard', classes: { imap: 'fast-ssd' }, annotations: { 'backup.example.com/tier': 'gold' } } }));
    for (const p of claims(r)) {
      const c = p.metadata!.labels!['app.kubernetes.io/component'];
      assert.equal(p.spec!.storageClassName, c === 'imap' ? 'fast-ssd' : 'standard', p.metadata!.name);
      assert.equal(p.metadata!.annotations!['backup.example.com/tier'], 'gold');
      assert.equal(p.metadata!.annotations!['argocd.argoproj.io/sync-options'], 'Prune=false,Delete=false');
    }
    await assertValid(t, r.objects);
  });

  it('the shared claim carries the annotations too', () => {
    const r = render(cfg({ storage: { mode: 'shared', annotations: { 'backup.example.com/tier': 'gold' } } }));
    assert.equal(claims(r)[0]!.metadata!.annotations!['backup.example.com/tier'], 'gold');
  });

  it('refuses a class where no claim is created, and the keep-data annotations', () => {
    assert.match(messageAt(cfg({ storage: { existingClaims: { imap: 'x' }, classes: { imap: 'fast' } } }), 'storage.classes.imap'), /existing claim/);
    assert.match(messageAt(cfg({ storage: { mode: 'shared', classes: { imap: 'fast' } } }), 'storage.classes.imap'), /storage\.storageClass/);
    assert.match(messageAt(cfg({ storage: { mode: 'helmChart', helmChart: { claimName: 'c' }, classes: { admin: 'fast' } } }), 'storage.classes.admin'), /Helm chart's claim/);
    assert.match(messageAt(cfg({ storage: { annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'enabled' } } }), 'storage.annotations.kustomize.toolkit.fluxcd.io/prune'), /never prune or delete/);
    assert.match(messageAt(cfg({ storage: { classes: { imap: 'Fast SSD' } } }), 'storage.classes.imap'), /StorageClass name/);
  });
});

describe('rspamd keeps what it learned', () => {
  it('/var/lib/rspamd and the maps its web UI edits are on antispam\'s claim; Bayes and fuzzy hashes are in Redis, on its own claim', () => {
    const r = render(cfg({}));
    assert.deepEqual(dataMounts(r, 'antispam').sort(), ['/etc/rspamd/local.d/maps.d=maps.d', '/var/lib/rspamd=rspamd']);
    assert.equal(claimOf(r, 'antispam'), 'mailu-antispam-data');
    assert.equal(claimOf(r, 'redis'), 'mailu-redis-data');
    assert.deepEqual(r.container('redis').args!.slice(0, 6), ['redis-server', '--save', '300', '1', '--dir', '/data']);
  });
});
