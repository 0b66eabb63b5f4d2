// Fidelity of the Kubernetes API test server: the REST and watch protocol over HTTP (raw fetch),
// its injected faults, through @kubernetes/client-node's informer, and through the real kubectl
// when it is installed.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { retryAfterMs } from '../../src/operator/kube.js';
import { KubeApiServer, type KubeObject } from '../support/kube-api-server.js';
import { node, pod } from '../support/kube-fixtures.js';
import { parseFieldSelector, parseLabelSelector } from '../support/kube-selectors.js';
import { GUARD_MS, waitFor as waitUntilGuarded } from '../support/operator-harness.js';

const DE = '/apis/externaldns.k8s.io/v1alpha1/namespaces/mailu/dnsendpoints';

interface WatchEvent {
  type: string;
  object: KubeObject & { code?: number; reason?: string };
}

/** Opens a watch with fetch and collects its events until closed. */
async function openWatch(url: string): Promise<{ events: WatchEvent[]; ended: Promise<void>; close: () => void; waitFor: (n: number) => Promise<void> }> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  assert.equal(res.status, 200);
  const events: WatchEvent[] = [];
  const ended = (async () => {
    let buf = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, i)) as WatchEvent);
          buf = buf.slice(i + 1);
        }
      }
    } catch {
      // aborted
    }
  })();
  const waitFor = async (n: number) => {
    const deadline = Date.now() + GUARD_MS;
    while (events.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.ok(events.length >= n, `expected ${n} watch events, got ${events.length}: ${JSON.stringify(events.map((e) => e.type))}`);
  };
  return { events, ended, close: () => ac.abort(), waitFor };
}

/** The response shapes these tests read: lists, objects and Status bodies. */
interface Body {
  kind?: string;
  reason?: string;
  code?: number;
  items: KubeObject[];
  metadata: KubeObject['metadata'] & { continue?: string; remainingItemCount?: number };
  spec: { endpoints: Array<{ targets: string[]; recordTTL?: number }> };
  status?: { observedGeneration?: number };
}

async function json(res: Response): Promise<Body> {
  return (await res.json()) as Body;
}

type DnsSpec = { endpoints: Array<{ targets: string[] }> };

function endpoint(name: string, targets: string[], labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'externaldns.k8s.io/v1alpha1',
    kind: 'DNSEndpoint',
    metadata: { name, namespace: 'mailu', labels },
    spec: { endpoints: [{ dnsName: 'mail.example.com', recordType: 'A', recordTTL: 60, targets }] },
  };
}

describe('selectors', () => {
  it('parses label selectors like the API server', () => {
    const s = parseLabelSelector('app=mailu,tier in (front, smtp),!legacy,env!=dev');
    assert.equal(s.matches({ app: 'mailu', tier: 'front' }), true);
    assert.equal(s.matches({ app: 'mailu', tier: 'imap' }), false);
    assert.equal(s.matches({ app: 'mailu', tier: 'front', legacy: '' }), false);
    assert.equal(s.matches({ app: 'mailu', tier: 'smtp', env: 'dev' }), false);
    assert.equal(parseLabelSelector('x notin (a)').matches({}), true);
    assert.equal(parseLabelSelector('n>3').matches({ n: '4' }), true);
    assert.equal(parseLabelSelector('').matches(undefined), true);
    assert.throws(() => parseLabelSelector('a in (b'), /unbalanced/);
    assert.throws(() => parseLabelSelector('a=b=c'), /unable to parse/);
  });

  it('parses field selectors and rejects unsupported fields', () => {
    const s = parseFieldSelector('spec.nodeName=n1,status.phase!=Failed', ['spec.nodeName', 'status.phase']);
    assert.equal(s.matches({ spec: { nodeName: 'n1' }, status: { phase: 'Running' } }), true);
    assert.equal(s.matches({ spec: { nodeName: 'n1' }, status: { phase: 'Failed' } }), false);
    assert.equal(parseFieldSelector('spec.nodeName=', ['spec.nodeName']).matches({ spec: {} }), true);
    assert.throws(() => parseFieldSelector('spec.bogus=1', ['spec.nodeName']), /field label not supported/);
  });
});

describe('KubeApiServer REST and watch protocol', () => {
  const api = new KubeApiServer({ bookmarkIntervalMs: 50 });
  let url = '';
  before(async () => {
    url = await api.start();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    api.create('nodes', node('n1', { externalIPs: ['203.0.113.1'], labels: { zone: 'a' } }));
    api.create('nodes', node('n2', { externalIPs: ['203.0.113.2'], labels: { zone: 'b' } }));
    api.create('pods', pod('front-a', { nodeName: 'n1' }));
    api.create('pods', pod('smtp-a', { nodeName: 'n2', component: 'smtp' }));
    api.create('pods', pod('other', { namespace: 'default', labels: { app: 'x' }, nodeName: 'n2' }));
  });
  after(() => api.stop());

  it('lists with a resourceVersion, label and field selectors', async () => {
    const all = await json(await fetch(`${url}/api/v1/pods`));
    assert.equal(all.kind, 'PodList');
    assert.equal(all.items.length, 3);
    assert.equal(all.metadata.resourceVersion, api.resourceVersion);
    const front = await json(await fetch(`${url}/api/v1/namespaces/mailu/pods?labelSelector=${encodeURIComponent('app.kubernetes.io/component=front')}`));
    assert.deepEqual(front.items.map((p: KubeObject) => p.metadata.name), ['front-a']);
    const onN2 = await json(await fetch(`${url}/api/v1/pods?fieldSelector=spec.nodeName%3Dn2`));
    assert.deepEqual(onN2.items.map((p: KubeObject) => p.metadata.name).sort(), ['other', 'smtp-a']);
    const bad = await fetch(`${url}/api/v1/pods?fieldSelector=spec.color%3Dblue`);
    assert.equal(bad.status, 400);
    assert.equal((await json(bad)).kind, 'Status');
  });

  it('pages lists with limit and continue', async () => {
    const p1 = await json(await fetch(`${url}/api/v1/pods?limit=2`));
    assert.equal(p1.items.length, 2);
    assert.ok(p1.metadata.continue);
    assert.equal(p1.metadata.remainingItemCount, 1);
    const p2 = await json(await fetch(`${url}/api/v1/pods?limit=2&continue=${p1.metadata.continue}`));
    assert.equal(p2.items.length, 1);
    assert.equal(p2.metadata.continue, undefined);
  });

  it('answers 404 with a Status for a missing object', async () => {
    const res = await fetch(`${url}${DE}/missing`);
    assert.equal(res.status, 404);
    const body = await json(res);
    assert.equal(body.reason, 'NotFound');
    assert.equal(body.code, 404);
  });

  it('creates, refuses duplicates (409 AlreadyExists) and stale updates (409 Conflict)', async () => {
    const post = (o: KubeObject) => fetch(`${url}${DE}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(o) });
    const created = await post(endpoint('rec', ['203.0.113.1']));
    assert.equal(created.status, 201);
    const obj = (await created.json()) as KubeObject;
    assert.equal(obj.metadata.generation, 1);
    assert.ok(obj.metadata.uid);
    const dup = await post(endpoint('rec', ['203.0.113.1']));
    assert.equal(dup.status, 409);
    assert.equal((await json(dup)).reason, 'AlreadyExists');

    const put = (o: KubeObject) => fetch(`${url}${DE}/rec`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(o) });
    const fresh = structuredClone(obj);
    (fresh.spec as DnsSpec).endpoints[0]!.targets = ['203.0.113.2'];
    const ok = await put(fresh);
    assert.equal(ok.status, 200);
    const updated = (await ok.json()) as KubeObject;
    assert.equal(updated.metadata.generation, 2);
    assert.notEqual(updated.metadata.resourceVersion, obj.metadata.resourceVersion);
    const stale = await put(fresh); // still carries the old resourceVersion
    assert.equal(stale.status, 409);
    assert.equal((await json(stale)).reason, 'Conflict');
    const noRv = structuredClone(updated);
    delete noRv.metadata.resourceVersion;
    assert.equal((await put(noRv)).status, 422);
    // The same content again is not a change: no new resourceVersion.
    const same = await json(await put(updated));
    assert.equal(same.metadata.resourceVersion, updated.metadata.resourceVersion);
  });

  it('keeps status out of main-resource writes and serves the status subresource', async () => {
    const cur = api.get('dnsendpoints', 'mailu', 'rec')!;
    const withStatus = { ...cur, status: { observedGeneration: 99 } };
    const res = await json(await fetch(`${url}${DE}/rec`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(withStatus) }));
    assert.equal(res.status, undefined);
    const st = await json(await fetch(`${url}${DE}/rec/status`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(withStatus) }));
    assert.equal(st.status?.observedGeneration, 99);
    assert.equal(st.metadata.generation, cur.metadata.generation);
  });

  it('patches with merge patch and JSON patch, refuses strategic merge patch on custom resources', async () => {
    const merge = await fetch(`${url}${DE}/rec`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ metadata: { labels: { a: 'b' } } }) });
    assert.equal(merge.status, 200);
    assert.equal((await json(merge)).metadata.labels?.a, 'b');
    const jp = await fetch(`${url}${DE}/rec`, {
      method: 'PATCH', headers: { 'content-type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'replace', path: '/spec/endpoints/0/recordTTL', value: 30 }]),
    });
    assert.equal((await json(jp)).spec.endpoints[0].recordTTL, 30);
    const smp = await fetch(`${url}${DE}/rec`, { method: 'PATCH', headers: { 'content-type': 'application/strategic-merge-patch+json' }, body: '{}' });
    assert.equal(smp.status, 415);
    const stalePatch = await fetch(`${url}${DE}/rec`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ metadata: { resourceVersion: '1' } }) });
    assert.equal(stalePatch.status, 409);
  });

  it('deletes with preconditions; a scheduled pod first terminates for its grace period', async () => {
    const cur = api.get('dnsendpoints', 'mailu', 'rec')!;
    const wrong = await fetch(`${url}${DE}/rec`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ preconditions: { uid: 'nope' } }) });
    assert.equal(wrong.status, 409);
    const ok = await fetch(`${url}${DE}/rec`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ preconditions: { uid: cur.metadata.uid } }) });
    assert.equal(ok.status, 200);
    assert.equal(api.get('dnsendpoints', 'mailu', 'rec'), undefined);

    api.create('pods', pod('doomed', { nodeName: 'n1' }));
    const del = await json(await fetch(`${url}/api/v1/namespaces/mailu/pods/doomed`, { method: 'DELETE' }));
    assert.ok(del.metadata.deletionTimestamp, 'graceful delete marks the pod terminating');
    assert.ok(api.get('pods', 'mailu', 'doomed'));
    await fetch(`${url}/api/v1/namespaces/mailu/pods/doomed?gracePeriodSeconds=0`, { method: 'DELETE' });
    assert.equal(api.get('pods', 'mailu', 'doomed'), undefined);
  });

  it('streams ADDED/MODIFIED/DELETED, replays from a resourceVersion and turns selector exits into DELETED', async () => {
    const sel = encodeURIComponent('app.kubernetes.io/component=front');
    const w = await openWatch(`${url}/api/v1/namespaces/mailu/pods?watch=true&labelSelector=${sel}`);
    await w.waitFor(1);
    assert.deepEqual(w.events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'front-a']]);
    const rvBefore = api.resourceVersion;
    api.create('pods', pod('front-b', { nodeName: 'n2' }));
    api.mutate('pods', 'mailu', 'front-b', (o) => (o.metadata.labels!.extra = '1'));
    api.mutate('pods', 'mailu', 'front-b', (o) => (o.metadata.labels!['app.kubernetes.io/component'] = 'other'));
    api.create('pods', pod('smtp-b', { component: 'smtp', nodeName: 'n2' })); // never matches
    api.remove('pods', 'mailu', 'front-a');
    await w.waitFor(5);
    assert.deepEqual(w.events.slice(1).map((e) => [e.type, e.object.metadata.name]), [
      ['ADDED', 'front-b'], ['MODIFIED', 'front-b'], ['DELETED', 'front-b'], ['DELETED', 'front-a'],
    ]);
    // The exit event carries the previous content at the new version.
    const exit = w.events[3]!.object;
    assert.equal(exit.metadata.labels!['app.kubernetes.io/component'], 'front');
    w.close();
    await w.ended;

    const replay = await openWatch(`${url}/api/v1/namespaces/mailu/pods?watch=true&labelSelector=${sel}&resourceVersion=${rvBefore}`);
    await replay.waitFor(4);
    assert.deepEqual(replay.events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED', 'DELETED']);
    replay.close();
  });

  it('answers ERROR 410 Expired for a resourceVersion older than its history', async () => {
    const old = api.resourceVersion;
    api.create('pods', pod('front-c', { nodeName: 'n1' }));
    api.compact();
    const w = await openWatch(`${url}/api/v1/namespaces/mailu/pods?watch=true&resourceVersion=${old}`);
    await w.ended;
    assert.equal(w.events.length, 1);
    assert.equal(w.events[0]!.type, 'ERROR');
    assert.equal(w.events[0]!.object.code, 410);
    assert.equal(w.events[0]!.object.reason, 'Expired');
    const current = await openWatch(`${url}/api/v1/namespaces/mailu/pods?watch=true&resourceVersion=${api.resourceVersion}`);
    api.mutate('pods', 'mailu', 'front-c', (o) => (o.metadata.labels!.v = '2'));
    await current.waitFor(1);
    assert.equal(current.events[0]!.type, 'MODIFIED');
    current.close();
  });

  it('sends BOOKMARKs when asked, ends watches at timeoutSeconds, and can drop or expire them', async () => {
    const b = await openWatch(`${url}/api/v1/nodes?watch=true&resourceVersion=${api.resourceVersion}&allowWatchBookmarks=true&timeoutSeconds=1`);
    await b.waitFor(1);
    assert.equal(b.events[0]!.type, 'BOOKMARK');
    assert.equal(b.events[0]!.object.metadata.resourceVersion, api.resourceVersion);
    // Nothing else ends this watch: the server closes it at timeoutSeconds.
    await b.ended;
    assert.equal(api.openWatches('nodes'), 0);

    const d = await openWatch(`${url}/api/v1/nodes?watch=true&resourceVersion=${api.resourceVersion}`);
    assert.equal(api.openWatches('nodes'), 1);
    assert.equal(api.dropWatches({ resource: 'nodes' }), 1);
    await d.ended;
    const e = await openWatch(`${url}/api/v1/nodes?watch=true&resourceVersion=${api.resourceVersion}`);
    api.expireWatches();
    await e.ended;
    assert.equal(e.events[0]!.object.code, 410);
  });

  it('fails every request during an outage and recovers', async () => {
    api.startOutage({ status: 503 });
    const res = await fetch(`${url}/api/v1/nodes`);
    assert.equal(res.status, 503);
    assert.equal((await json(res)).kind, 'Status');
    api.endOutage();
    assert.equal((await fetch(`${url}/api/v1/nodes`)).status, 200);
    // An outage with a duration ends by itself (long enough for one request on a busy machine).
    api.startOutage({ durationMs: 1000 });
    assert.equal((await fetch(`${url}/api/v1/nodes`)).status, 503);
    await waitUntilGuarded('the outage ends by itself', () => !api.inOutage);
    assert.equal((await fetch(`${url}/api/v1/nodes`)).status, 200);
  });

  it('enforces the bearer token when configured', async () => {
    const secured = new KubeApiServer({ token: 'sekret' });
    const u = await secured.start();
    try {
      assert.equal((await fetch(`${u}/api/v1/nodes`)).status, 401);
      assert.equal((await fetch(`${u}/api/v1/nodes`, { headers: { authorization: 'Bearer sekret' } })).status, 200);
    } finally {
      await secured.stop();
    }
  });
});

describe('KubeApiServer fault injection, as kube-apiserver shows faults', () => {
  const api = new KubeApiServer();
  let url = '';
  before(async () => {
    url = await api.start();
    api.create('namespaces', { metadata: { name: 'mailu' } });
    api.create('nodes', node('n1', { externalIPs: ['203.0.113.1'] }));
  });
  after(() => api.stop());

  it('429 and 503 carry Retry-After and details.retryAfterSeconds; 500 does not; a rate refuses that share', async () => {
    const stop = api.injectErrors({ rate: 1, statuses: [429], retryAfterSeconds: 2, match: (i) => i.resource?.plural === 'nodes' });
    const res = await fetch(`${url}/api/v1/nodes`);
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '2');
    const body = (await res.json()) as Body & { details?: { retryAfterSeconds?: number } };
    assert.deepEqual([body.kind, body.reason, body.code, body.details?.retryAfterSeconds], ['Status', 'TooManyRequests', 429, 2]);
    assert.equal((await fetch(`${url}/api/v1/namespaces`)).status, 200, 'only matching requests');
    stop();
    const stop500 = api.injectErrors({ rate: 1, statuses: [500] });
    const r500 = await fetch(`${url}/api/v1/nodes`);
    assert.equal(r500.status, 500);
    assert.equal(r500.headers.get('retry-after'), null);
    stop500();
    const stopShare = api.injectErrors({ rate: 0.2, statuses: [503] });
    let refused = 0;
    for (let i = 0; i < 200; i++) if ((await fetch(`${url}/api/v1/nodes`)).status === 503) refused++;
    stopShare();
    assert.ok(refused > 20 && refused < 60, `${refused} of 200 refused at rate 0.2`);
    assert.equal((await fetch(`${url}/api/v1/nodes`)).status, 200);
  });

  it('client-node keeps Retry-After on its ApiException, and the operator reads it', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(api.kubeconfigYaml());
    const stop = api.injectErrors({ rate: 1, statuses: [503], retryAfterSeconds: 3 });
    try {
      await assert.rejects(kc.makeApiClient(k8s.CoreV1Api).listNode(), (err: unknown) => retryAfterMs(err) === 3000);
    } finally {
      stop();
    }
  });

  it('cuts a watch in the middle of an event; resuming from the last resourceVersion delivers it whole', async () => {
    const from = api.resourceVersion;
    const res = await fetch(`${url}/api/v1/nodes?watch=true&resourceVersion=${from}`);
    assert.equal(res.status, 200);
    let text = '';
    const read = (async () => {
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) text += Buffer.from(chunk).toString();
      } catch {
        // the connection was cut
      }
    })();
    await new Promise<void>((r) => {
      const t = setInterval(() => api.openWatches('nodes') === 1 && (clearInterval(t), r()), 5);
    });
    assert.equal(api.cutWatchesMidEvent({ resource: 'nodes' }), 1);
    api.create('nodes', node('n2', { externalIPs: ['203.0.113.2'] }));
    await read;
    assert.ok(text.length > 0 && !text.includes('\n'), 'half an event, no line end');
    const resumed = await openWatch(`${url}/api/v1/nodes?watch=true&resourceVersion=${from}`);
    await resumed.waitFor(1);
    resumed.close();
    assert.equal(resumed.events[0]!.object.metadata.name, 'n2');
    assert.ok(`${JSON.stringify(resumed.events[0])}`.startsWith(text.slice(0, 20)));
  });

  it('a restart refuses connections for a while, keeps the objects and expires older watch positions (410)', async () => {
    const before = api.resourceVersion;
    const restarting = api.restart({ downMs: 100 });
    await assert.rejects(fetch(`${url}/api/v1/nodes`));
    await restarting;
    const list = await json(await fetch(`${url}/api/v1/nodes`));
    assert.deepEqual(list.items.map((n) => n.metadata.name).sort(), ['n1', 'n2']);
    const w = await openWatch(`${url}/api/v1/nodes?watch=true&resourceVersion=${Number(before) - 1}`);
    await w.waitFor(1);
    assert.deepEqual([w.events[0]!.type, w.events[0]!.object.code], ['ERROR', 410]);
    w.close();
  });

  it('a racing writer turns the next matching write into a real 409 Conflict', async () => {
    const stop = api.raceWrites({ match: (i) => i.resource?.plural === 'nodes' });
    const cur = await json(await fetch(`${url}/api/v1/nodes/n1`));
    const res = await fetch(`${url}/api/v1/nodes/n1`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...cur, metadata: { ...cur.metadata, labels: { x: 'y' } } }) });
    stop();
    assert.equal(res.status, 409);
    assert.equal((await json(res)).reason, 'Conflict');
    assert.equal(api.get('nodes', undefined, 'n1')!.metadata.annotations!['test.example.com/concurrent-writer'], '1');
  });
});

describe('KubeApiServer through @kubernetes/client-node', () => {
  it('feeds an informer (add/update/delete) and survives a 410 relist', async () => {
    const api = new KubeApiServer();
    await api.start();
    try {
      api.create('nodes', node('n1', { externalIPs: ['203.0.113.1'] }));
      const kc = new k8s.KubeConfig();
      kc.loadFromString(api.kubeconfigYaml());
      const core = kc.makeApiClient(k8s.CoreV1Api);
      const inf = k8s.makeInformer(kc, '/api/v1/nodes', () => core.listNode());
      const seen: string[] = [];
      inf.on('add', (n) => seen.push(`add ${n.metadata?.name}`));
      inf.on('update', (n) => seen.push(`update ${n.metadata?.name}`));
      inf.on('delete', (n) => seen.push(`delete ${n.metadata?.name}`));
      const errors: unknown[] = [];
      inf.on('error', (e) => errors.push(e));
      await inf.start();
      const until = async (pred: () => boolean) => {
        const deadline = Date.now() + GUARD_MS;
        while (!pred() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        assert.ok(pred(), `informer saw ${JSON.stringify(seen)}`);
      };
      await until(() => seen.length === 1 && api.openWatches('nodes') === 1);
      api.create('nodes', node('n2'));
      api.mutate('nodes', undefined, 'n1', (o) => (o.metadata.labels!.x = 'y'));
      api.remove('nodes', undefined, 'n2');
      await until(() => seen.length === 4);
      assert.deepEqual(seen, ['add n1', 'add n2', 'update n1', 'delete n2']);
      // Watch ended cleanly + history gone: resuming gets 410, so the informer relists by itself.
      api.dropWatches({ hard: false });
      api.create('nodes', node('n3'));
      api.compact();
      await until(() => seen.includes('add n3'));
      assert.deepEqual(inf.list().map((n) => n.metadata?.name).sort(), ['n1', 'n3']);
      assert.equal(api.count('LIST nodes'), 2, 'relisted once after 410');
      assert.deepEqual(errors, []);
      // A cut connection is an error: client-node stops the informer and leaves the restart to us.
      await until(() => api.openWatches('nodes') === 1);
      api.dropWatches({ hard: true });
      await until(() => errors.length === 1);
      await inf.stop();
    } finally {
      await api.stop();
    }
  });
});

describe('KubeApiServer through the real kubectl', () => {
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  const hasKubectl = kubectl.status === 0;
  const api = new KubeApiServer();
  let env: NodeJS.ProcessEnv = {};
  // Asynchronous: the server answers from this very process, so a blocking spawn would deadlock.
  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn('kubectl', args, { env, timeout: 15_000 });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (code) => resolve({ code, out, err }));
    });

  before(async () => {
    if (!hasKubectl) return;
    await api.start();
    api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mailu' } });
    api.create('nodes', node('n1', { externalIPs: ['203.0.113.1'] }));
    api.create('pods', pod('front-a', { nodeName: 'n1' }));
    api.create('pods', pod('smtp-a', { component: 'smtp', nodeName: 'n1' }));
    const dir = mkdtempSync(join(tmpdir(), 'kubectl-'));
    env = { PATH: process.env.PATH, HOME: dir, KUBECONFIG: api.writeKubeconfig({ namespace: 'mailu' }), KUBECACHEDIR: join(dir, 'cache') };
  });
  after(() => api.stop());

  it('kubectl get: tables, JSON, label and field selectors', async (t) => {
    if (!hasKubectl) return t.skip('kubectl is not installed; the kubectl fidelity checks did not run');
    const table = await run(['get', 'pods']);
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /^NAME\s+STATUS\s+NODE\s+AGE/m);
    assert.match(table.out, /front-a\s+Running\s+n1/);
    const sel = await run(['get', 'pods', '-l', 'app.kubernetes.io/component=front', '-o', 'jsonpath={.items[*].metadata.name}']);
    assert.equal(sel.out, 'front-a');
    const field = await run(['get', 'pods', '--field-selector', 'spec.nodeName=n1', '-o', 'name']);
    assert.deepEqual(field.out.trim().split('\n').sort(), ['pod/front-a', 'pod/smtp-a']);
    const nodes = await run(['get', 'nodes', '-o', 'json']);
    const addrs = JSON.parse(nodes.out).items[0].status.addresses as Array<{ type: string; address: string }>;
    assert.equal(addrs.find((a) => a.type === 'ExternalIP')?.address, '203.0.113.1');
    const missing = await run(['get', 'dnsendpoint', 'nope']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.err, /NotFound|not found/);
  });

  it('kubectl apply creates, then configures with a merge patch; kubectl delete removes', async (t) => {
    if (!hasKubectl) return t.skip('kubectl is not installed; the kubectl fidelity checks did not run');
    const dir = mkdtempSync(join(tmpdir(), 'apply-'));
    const file = join(dir, 'de.json');
    writeFileSync(file, JSON.stringify(endpoint('foreign', ['203.0.113.9'])));
    // No OpenAPI document is served, so client-side validation is off (server-side field validation is ignored).
    const c = await run(['apply', '--validate=false', '-f', file]);
    assert.equal(c.code, 0, c.err);
    assert.match(c.out, /dnsendpoint.externaldns.k8s.io\/foreign created/);
    writeFileSync(file, JSON.stringify(endpoint('foreign', ['203.0.113.10'])));
    const u = await run(['apply', '--validate=false', '-f', file]);
    assert.equal(u.code, 0, u.err);
    assert.match(u.out, /configured/);
    const stored = api.get('dnsendpoints', 'mailu', 'foreign')!;
    assert.deepEqual((stored.spec as DnsSpec).endpoints[0]!.targets, ['203.0.113.10']);
    assert.equal(stored.metadata.generation, 2);
    assert.ok(stored.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']);
    assert.ok(api.count('PATCH dnsendpoints') >= 1);
    const again = await run(['apply', '--validate=false', '-f', file]);
    assert.match(again.out, /unchanged/);
    const lbl = await run(['label', 'pod', 'front-a', 'checked=yes']);
    assert.equal(lbl.code, 0, lbl.err);
    assert.equal(api.get('pods', 'mailu', 'front-a')!.metadata.labels!.checked, 'yes');
    const d = await run(['delete', 'dnsendpoint', 'foreign']);
    assert.equal(d.code, 0, d.err);
    assert.equal(api.get('dnsendpoints', 'mailu', 'foreign'), undefined);
  });

  it('kubectl get --watch follows changes', async (t) => {
    if (!hasKubectl) return t.skip('kubectl is not installed; the kubectl fidelity checks did not run');
    const child = spawn('kubectl', ['get', 'pods', '--watch', '--output-watch-events', '-o', 'jsonpath={.type} {.object.metadata.name}{"\\n"}'], { env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const until = async (pred: () => boolean) => {
      const deadline = Date.now() + GUARD_MS;
      while (!pred() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    };
    try {
      await until(() => api.openWatches('pods') === 1);
      assert.equal(api.openWatches('pods'), 1, 'kubectl opened a watch');
      api.create('pods', pod('front-b', { nodeName: 'n1' }));
      api.mutate('pods', 'mailu', 'front-b', (o) => ((o.status as { phase: string }).phase = 'Failed'));
      api.remove('pods', 'mailu', 'front-b');
      await until(() => out.includes('DELETED front-b'));
      const lines = out.trim().split('\n');
      assert.ok(lines.includes('ADDED front-a'), out);
      const tail = lines.filter((l) => l.endsWith('front-b'));
      assert.deepEqual(tail, ['ADDED front-b', 'MODIFIED front-b', 'DELETED front-b']);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
