// Fault benchmark of the DNS operator: `npm run bench:operator -- --faults`.
//
// Two operator replicas (child processes, one Lease, the chart's timings for a 5 s lease) against
// the Kubernetes API test server with 500 nodes, front pod reschedules throughout, and each fault
// class in turn for BENCH_FAULT_MS (default 20 s):
//   error storm  20 % of requests answered 500/503/429 (429 and 503 with Retry-After: 1)
//   latency      every request delayed 1–2 s
//   watch cuts   every open watch cut in the middle of an event, again every second
//   API restart  connections refused for 5 s, then a fresh watch cache (resuming gets 410)
//   409 storm    a concurrent writer changes each DNSEndpoint just before the operator writes it
// plus a burst of 100 reschedules without faults. Printed per class: requests per second during
// the fault (all replicas; mean and the busiest second, against the quiet baseline) and the time
// from the end of the fault to correct records. Then failover: kill -9 and SIGTERM of the leader,
// BENCH_FAILOVERS times each, from the last renewal (or the release) to the new leader's write.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { defaultTimings, failoverBoundMs } from '../src/operator/timings.js';
import { KubeApiServer, type KubeObject, type RequestRecord } from '../test/support/kube-api-server.js';
import { node, pod } from '../test/support/kube-fixtures.js';
import { operatorConfig } from '../test/support/operator-config.js';
import { Replica } from '../test/support/operator-harness.js';
import { sleep } from './operator-support.js';

const NODES = Number(process.env.BENCH_NODES ?? 500);
const FAULT_MS = Number(process.env.BENCH_FAULT_MS ?? 20_000);
const FAILOVERS = Number(process.env.BENCH_FAILOVERS ?? 3);
const LEASE_S = 5;
const NS = 'mailu';
const ADDR = 'mailu-front-address';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, '.bench', 'operator-faults');
const nodeName = (i: number) => `node-${String(i).padStart(4, '0')}`;
const nodeIp = (i: number) => `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}`;
const now = () => performance.now();

function targetsOf(o: KubeObject | undefined): string[] {
  return ((o?.spec as { endpoints?: Array<{ targets?: string[] }> } | undefined)?.endpoints ?? []).flatMap((e) => e.targets ?? []);
}

class Bench {
  readonly api = new KubeApiServer({ historyLimit: 20_000 });
  readonly replicas: Replica[] = [];
  readonly published: Array<{ at: number; targets: string }> = [];
  readonly leaseWrites: Array<{ at: number; holder: string }> = [];
  private configPath = '';
  private front = 'front-0';
  private frontNode = 0;
  private seq = 0;
  private spawned = 0;

  async start(): Promise<void> {
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    await this.api.start();
    this.api.create('namespaces', { metadata: { name: NS } });
    this.api.bulkCreate('nodes', Array.from({ length: NODES }, (_, i) => node(nodeName(i), { externalIPs: [nodeIp(i)] })));
    this.api.create('pods', pod(this.front, { nodeName: nodeName(0) }));
    this.api.subscribe((ev) => {
      if (ev.resource === 'dnsendpoints' && ev.object.metadata.name === ADDR) this.published.push({ at: ev.time, targets: targetsOf(ev.object).join() });
      if (ev.resource === 'leases') this.leaseWrites.push({ at: ev.time, holder: (ev.object.spec as { holderIdentity?: string }).holderIdentity ?? '' });
    });
    const config = { domain: 'example.com', hostnames: ['mail.example.com'], namespace: NS, cluster: { podCidr: '10.42.0.0/16' }, tls: { source: 'certManager', issuer: { name: 'letsencrypt' } }, dns: { operator: { enabled: true, leaseDurationSeconds: LEASE_S } } };
    this.configPath = join(work, 'config.yaml');
    writeFileSync(this.configPath, stringify(config));
    this.spawn();
    this.spawn();
    await this.until('the first record', () => this.correct(), 120_000);
    await this.until('a standby', () => this.standbysReady(), 120_000);
  }

  spawn(): Replica {
    // Each replica its own token, so the request log tells them apart.
    const identity = `replica-${this.spawned++}`;
    const kubeconfig = join(work, `kubeconfig-${identity}`);
    writeFileSync(kubeconfig, this.api.kubeconfigYaml({ token: identity }), { mode: 0o600 });
    const r = Replica.spawn({ kubeconfig, config: this.configPath }, identity);
    this.replicas.push(r);
    return r;
  }

  get holder(): string {
    return this.leaseWrites.at(-1)?.holder ?? '';
  }

  standbysReady(): boolean {
    const h = this.holder;
    const alive = this.replicas.filter((r) => r.alive && r.identity !== h);
    return h !== '' && alive.length > 0 && alive.every((r) => r.logged('standing by: the lease is held by another replica', (l) => l.holder === h));
  }

  /** The front pod moves to another node (drained, rescheduled, Ready there). */
  reschedule(): void {
    const next = `front-${++this.seq}`;
    this.frontNode = 1 + ((this.seq * 37) % (NODES - 1));
    this.api.remove('pods', NS, this.front);
    this.api.create('pods', pod(next, { nodeName: nodeName(this.frontNode) }));
    this.front = next;
  }

  correct(): boolean {
    return targetsOf(this.api.get('dnsendpoints', NS, ADDR)).join() === nodeIp(this.frontNode);
  }

  async until(what: string, pred: () => boolean, ms: number): Promise<number> {
    const deadline = now() + ms;
    while (!pred()) {
      if (now() > deadline) throw new Error(`fault benchmark: gave up waiting for ${what}\n${this.replicas.map((r) => r.errors).join('\n')}`);
      await sleep(5);
    }
    return now();
  }

  requestsIn(t0: number, t1: number): RequestRecord[] {
    return this.api.requests.filter((r) => r.at >= t0 && r.at < t1);
  }

  async stop(): Promise<void> {
    await Promise.all(this.replicas.filter((r) => r.alive).map((r) => r.kill9()));
    await this.api.stop();
  }
}

interface Rates {
  mean: number;
  peak: number;
  nonLease: number;
}

function rates(reqs: RequestRecord[], t0: number, t1: number): Rates {
  const secs = Math.max(1, Math.ceil((t1 - t0) / 1000));
  const buckets = new Array<number>(secs).fill(0);
  for (const r of reqs) buckets[Math.min(secs - 1, Math.floor((r.at - t0) / 1000))]!++;
  return { mean: reqs.length / ((t1 - t0) / 1000), peak: Math.max(...buckets), nonLease: reqs.filter((r) => r.resource !== 'leases').length / ((t1 - t0) / 1000) };
}

/** Runs one fault class with reschedules every second; returns its request rates and recovery time. */
async function faultPhase(b: Bench, name: string, begin: () => void | Promise<void>, end: () => void | Promise<void>, durationMs = FAULT_MS) {
  const t0 = now();
  await begin();
  let rescheduled = 0;
  while (now() - t0 < durationMs) {
    b.reschedule();
    rescheduled++;
    await sleep(1000);
  }
  b.reschedule(); // a change the operator still owes when the fault ends
  rescheduled++;
  await end();
  const t1 = now();
  const fixed = await b.until(`${name}: records correct`, () => b.correct(), 120_000);
  const reqs = b.requestsIn(t0, t1);
  const refused = reqs.filter((r) => r.status === 429 || r.status === 503 || r.status === 500).length;
  const writes = b.requestsIn(t0, fixed).filter(isRecordWrite).length;
  return { name, rates: rates(reqs, t0, t1), recoveryMs: fixed - t1, rescheduled, writes, refused, ...retriedEarly(b.api.requests, t0, t1) };
}

/** A DNSEndpoint write of an operator replica that the server accepted. */
function isRecordWrite(r: RequestRecord): boolean {
  return r.resource === 'dnsendpoints' && ['POST', 'PUT', 'DELETE'].includes(r.method) && r.status >= 200 && r.status < 300;
}

/**
 * Of the requests answered with Retry-After, how many the same replica sent again (same method,
 * path, watch or not) sooner than it said, on the server's receive times.
 */
function retriedEarly(all: RequestRecord[], t0: number, t1: number): { withRetryAfter: number; early: number } {
  let withRetryAfter = 0;
  let early = 0;
  all.forEach((r, i) => {
    if (r.retryAfter === undefined || r.at < t0 || r.at >= t1) return;
    withRetryAfter++;
    const again = all.slice(i + 1).find((x) => x.client === r.client && x.method === r.method && x.path === r.path && x.watch === r.watch);
    if (again && again.at - r.at < Number(r.retryAfter) * 1000) {
      early++;
      if (process.env.BENCH_DEBUG) console.error('sent again sooner:', r, again);
    }
  });
  return { withRetryAfter, early };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
}

async function failover(b: Bench, how: 'SIGKILL' | 'SIGTERM'): Promise<number> {
  await b.until('standbys have read the lease', () => b.standbysReady(), 120_000);
  const leaderId = b.holder;
  const seen = b.leaseWrites.length;
  await b.until('two more renewals', () => b.leaseWrites.slice(seen).filter((w) => w.holder === leaderId).length >= 2, 60_000);
  const leader = b.replicas.find((r) => r.identity === leaderId)!;
  if (how === 'SIGKILL') await leader.kill9();
  else {
    leader.child.kill('SIGTERM');
    await leader.exited;
  }
  // Kill -9: from the dead leader's last renewal; SIGTERM: from its release of the lease.
  const from = how === 'SIGKILL' ? b.leaseWrites.filter((w) => w.holder === leaderId).at(-1)!.at : b.leaseWrites.find((w, i) => i >= seen && w.holder === '')!.at;
  b.reschedule();
  b.spawn(); // the Deployment replaces the pod
  await b.until(`${how}: record published by the new leader`, () => b.correct(), 120_000);
  return b.published.at(-1)!.at - from;
}

export async function main(): Promise<void> {
  const t = defaultTimings(operatorConfig({ operator: { leaseDurationSeconds: LEASE_S } }));
  const b = new Bench();
  await b.start();
  const line = (k: string, v: string) => console.log(`  ${k.padEnd(40)} ${v}`);
  const fmt = (n: number) => n.toFixed(1);
  let heartbeat = 0;
  const beats = setInterval(() => {
    for (let i = 0; i < 2; i++) {
      b.api.mutate('nodes', undefined, nodeName(heartbeat++ % NODES), (o) => {
        for (const c of (o.status as { conditions: Array<{ lastHeartbeatTime: string }> }).conditions) c.lastHeartbeatTime = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      });
    }
  }, 100);
  try {
    const q0 = now();
    await sleep(5000);
    const quiet = rates(b.requestsIn(q0, now()), q0, now());
    const results = [];
    let stop: () => void = () => undefined;
    results.push(await faultPhase(b, 'error storm (20 % 500/503/429)', () => void (stop = b.api.injectErrors({ rate: 0.2, statuses: [500, 503, 429], retryAfterSeconds: 1 })), () => stop()));
    results.push(await faultPhase(b, 'latency (1-2 s per request)', () => void (stop = b.api.addLatency({ minMs: 1000, maxMs: 2000 })), () => stop()));
    let cutter: NodeJS.Timeout | undefined;
    results.push(await faultPhase(b, 'watch cuts (mid-event, every 1 s)', () => void (cutter = setInterval(() => b.api.cutWatchesMidEvent(), 1000)), () => clearInterval(cutter)));
    let restarting: Promise<void> | undefined;
    results.push(await faultPhase(b, 'API restart (5 s down, then 410)', () => void (restarting = b.api.restart({ downMs: 5000 })), async () => void (await restarting), 4000));
    results.push(await faultPhase(b, '409 storm (racing writer)', () => void (stop = b.api.raceWrites({ match: (i) => i.resource?.plural === 'dnsendpoints' })), () => stop()));

    // A burst of 100 reschedules, no fault.
    const tb = now();
    for (let i = 0; i < 100; i++) {
      b.reschedule();
      await sleep(10);
    }
    const tbEnd = now();
    const burstFixed = await b.until('burst: record correct', () => b.correct(), 60_000);
    const burstRates = rates(b.requestsIn(tb, burstFixed), tb, burstFixed);

    const kills: number[] = [];
    const terms: number[] = [];
    for (let i = 0; i < FAILOVERS; i++) kills.push(await failover(b, 'SIGKILL'));
    for (let i = 0; i < FAILOVERS; i++) terms.push(await failover(b, 'SIGTERM'));

    console.log(`DNS operator fault benchmark (Node ${process.version}): 2 replicas as child processes, ${NODES} nodes, a reschedule every second during each fault; lease ${t.leaseDurationMs} ms, renew deadline ${t.renewDeadlineMs} ms, retry period ${t.retryPeriodMs} ms × (1 + ${t.retryJitter}) for standbys`);
    line('quiet baseline: requests/s (all / no lease)', `${fmt(quiet.mean)} / ${fmt(quiet.nonLease)}, busiest second ${quiet.peak}`);
    console.log('per fault class (fault lasts the whole phase; "correct after" counts from its end):');
    for (const r of results) {
      console.log(`  ${r.name}`);
      line('  requests/s during the fault', `${fmt(r.rates.mean)} mean (${fmt(r.rates.nonLease)} without lease traffic), busiest second ${r.rates.peak}`);
      line('  refused / with Retry-After / sent again sooner', `${r.refused} / ${r.withRetryAfter} / ${r.early}`);
      line('  reschedules / record writes accepted', `${r.rescheduled} / ${r.writes}`);
      line('  records correct after the fault ended', `${r.recoveryMs.toFixed(0)} ms`);
    }
    console.log('  burst of 100 reschedules (10 ms apart), no fault');
    line('  record correct after the last one', `${(burstFixed - tbEnd).toFixed(0)} ms`);
    const burstWrites = b.requestsIn(tb, burstFixed).filter(isRecordWrite).length;
    line('  record writes / requests/s / busiest second', `${burstWrites} / ${fmt(burstRates.mean)} / ${burstRates.peak}`);
    const span = (xs: number[]) => (xs.length ? `${xs.map((x) => x.toFixed(0)).join(', ')} ms (median ${median(xs).toFixed(0)})` : 'not run');
    console.log(`failover (change made right after; until the new leader's DNSEndpoint write is stored):`);
    line('kill -9: from the last renewal', `${span(kills)}; bound ${failoverBoundMs(t).toFixed(0)} ms ${kills.every((k) => k <= failoverBoundMs(t)) ? 'held' : 'EXCEEDED'}`);
    line('SIGTERM: from the lease release', `${span(terms)}; at most one standby poll (${(t.retryPeriodMs * (1 + t.retryJitter)).toFixed(0)} ms) + the takeover`);
    const lates = b.replicas.reduce((n, r) => n + r.logs.filter((l) => /renewed the lease only after the renew deadline/.test(l.msg)).length, 0);
    const errors = b.replicas.reduce((n, r) => n + r.logs.filter((l) => l.level === 'error' || l.level === 'fatal').length, 0);
    line('late renewals (all replicas, whole run)', String(lates));
    line('error log lines (all replicas, whole run)', String(errors));
  } finally {
    clearInterval(beats);
    await b.stop();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
