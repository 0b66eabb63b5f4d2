// Informer helpers: paged initial lists and the cut-down cached objects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exponentialBackoff } from '../../src/operator/backoff.js';
import { LIST_PAGE_SIZE, listInPages, stripNode, stripPod, type ListPage } from '../../src/operator/informers.js';
import { node, pod } from '../support/kube-fixtures.js';
import { KubeApiServer } from '../support/kube-api-server.js';

const id = <T>(x: T) => x;

describe('listInPages', () => {
  it('follows continue tokens page by page and keeps the resourceVersion', async () => {
    const api = new KubeApiServer();
    const url = await api.start();
    try {
      api.bulkCreate('nodes', Array.from({ length: LIST_PAGE_SIZE * 2 + 5 }, (_, i) => node(`n${String(i).padStart(4, '0')}`)));
      const res = await listInPages(async (p) => {
        const q = new URLSearchParams({ ...(p.limit ? { limit: String(p.limit) } : {}), ...(p.continueToken ? { continue: p.continueToken } : {}) });
        return (await (await fetch(`${url}/api/v1/nodes?${q}`)).json()) as ListPage;
      }, id);
      assert.equal(res.items.length, LIST_PAGE_SIZE * 2 + 5);
      assert.equal(new Set(res.items.map((i) => i.metadata?.name)).size, res.items.length);
      assert.equal(res.metadata.resourceVersion, api.resourceVersion);
      assert.equal(api.count('LIST nodes'), 3);
    } finally {
      await api.stop();
    }
  });

  it('starts over unpaginated when a continue token has expired (410)', async () => {
    const calls: Array<{ limit?: number; continueToken?: string }> = [];
    const res = await listInPages(async (p) => {
      calls.push(p);
      if (p.continueToken) throw Object.assign(new Error('Gone'), { code: 410 });
      if (p.limit) return { items: [{ metadata: { name: 'a' } }], metadata: { resourceVersion: '5', _continue: 'tok' } };
      return { items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }], metadata: { resourceVersion: '9' } };
    }, id);
    assert.deepEqual(res.items.map((i) => i.metadata?.name), ['a', 'b']);
    assert.equal(res.metadata.resourceVersion, '9');
    assert.deepEqual(calls, [{ limit: LIST_PAGE_SIZE, continueToken: undefined }, { limit: LIST_PAGE_SIZE, continueToken: 'tok' }, {}]);
    await assert.rejects(listInPages(async () => Promise.reject(Object.assign(new Error('boom'), { code: 500 })), id), /boom/);
  });
});

describe('cached object shapes', () => {
  it('keeps only what the operator reads from nodes and pods', () => {
    const asObj = (o: unknown) => o as Parameters<typeof stripNode>[0];
    const n = stripNode(asObj(node('n1', { externalIPs: ['203.0.113.1'], images: 30, taints: [{ key: 'k', effect: 'NoSchedule' }] })));
    assert.deepEqual(Object.keys(n.status as object), ['addresses']);
    assert.ok(JSON.stringify(n).length < 600, `stripped node is ${JSON.stringify(n).length} bytes`);
    // client-node's typed lists carry Date objects; the cache holds strings.
    const p = stripPod(asObj({ ...pod('p', { nodeName: 'n1', nodeSelector: { a: 'b' } }), metadata: { name: 'p', namespace: 'm', deletionTimestamp: new Date('2030-01-01T00:00:00Z') } }));
    assert.equal(p.metadata?.deletionTimestamp, '2030-01-01T00:00:00.000Z');
    assert.deepEqual((p.spec as { nodeSelector: unknown }).nodeSelector, { a: 'b' });
    assert.equal((p.spec as { containers?: unknown }).containers, undefined);
  });

  it('backs off exponentially with jitter, capped, and resets', () => {
    let r = 0;
    const rnd = () => [0, 1, 0.5][r++ % 3]!;
    const b = exponentialBackoff(100, 1000, rnd);
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [50, 200, 300, 400, 1000, 750]);
    b.reset();
    assert.equal(b.attempts, 0);
    assert.ok(b.next() <= 100);
  });
});
