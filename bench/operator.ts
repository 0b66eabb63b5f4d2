// Benchmark of the DNS operator against the Kubernetes API test server (not a timed test: it
// prints figures). The server holds 1,000 nodes and 10,000 pods, almost all of them not Mailu's;
// the operator runs as its own process from an esbuild bundle (as in the image), talking HTTP.
//
// Measured:
// - reschedule latency: from the moment the replacement front pod turns Ready (the API server
//   stores the change and streams it) to the moment the API server stores the DNSEndpoint with
//   the new target, over >= 100 reschedules (p50, p99, max);
// - API requests per reschedule (and lease traffic per second, which is time-based);
// - DNSEndpoint/Event writes at steady state (kubelet heartbeats on all nodes, nothing relevant);
// - the operator process's resident memory (now and peak).
// Targets: p99 <= 50 ms, RSS <= 80 MiB, zero writes at steady state.
// With --faults: the fault benchmark instead (bench/operator-faults.ts).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { OPERATOR_NODE_FLAGS, OPERATOR_RUNTIME_ENV } from '../src/chart/operator.js';
import { KubeApiServer, type KubeObject } from '../test/support/kube-api-server.js';
import { node, pod, setPodState } from '../test/support/kube-fixtures.js';
import { bundleOperatorEntry, mib, percentile, sleep, writeOperatorConfig } from './operator-support.js';

const NODES = Number(process.env.BENCH_NODES ?? 1000);
const PODS = Number(process.env.BENCH_PODS ?? 10_000);
const RESCHEDULES = Number(process.env.BENCH_RESCHEDULES ?? 120);
const STEADY_MS = Number(process.env.BENCH_STEADY_MS ?? 5000);
/**
 * Node object updates per second in the background. Kubelets heartbeat through Leases and write
 * NodeStatus on change or every 5 minutes (1,000 nodes: ~3.3/s); the default assumes five times
 * that churn. BENCH_HEARTBEATS_PER_S=100 models the pre-Lease 10 s status updates.
 */
const HEARTBEATS_PER_S = Number(process.env.BENCH_HEARTBEATS_PER_S ?? Math.round(NODES / 60));

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, '.bench', 'operator');
const NS = 'mailu';
const ADDR = 'mailu-front-address';
const nodeName = (i: number) => `node-${String(i).padStart(4, '0')}`;
const nodeIp = (i: number) => `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}`;

/**
 * How the operator is bundled. Default: its dependencies inlined and tree-shaken (importing the
 * whole @kubernetes/client-node package alone adds ~65 MiB RSS to Node; tree-shaken, ~17 MiB).
 * BENCH_EXTERNAL_DEPS=1 loads them from node_modules instead.
 */
const EXTERNAL = process.env.BENCH_EXTERNAL_DEPS === '1' ? ['@kubernetes/client-node', 'mailauth', 'pino', 'prom-client'] : ['mailauth'];

function targetsOf(o: KubeObject | undefined): string[] {
  return ((o?.spec as { endpoints?: Array<{ targets?: string[] }> } | undefined)?.endpoints ?? []).flatMap((e) => e.targets ?? []);
}

function procStatus(pid: number): { rss: number; hwm: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** A pod of some other workload, sized like a real one (~3 KB of JSON). */
function foreignPod(i: number): KubeObject {
  const p = pod(`app-${i}`, { namespace: `team-${i % 20}`, labels: { app: `app-${i % 300}`, 'pod-template-hash': '5d9c8b7f4' }, nodeName: nodeName(i % NODES) });
  const labels = p.metadata.labels!;
  for (const k of Object.keys(labels)) if (k.startsWith('app.kubernetes.io/')) delete labels[k];
  const spec = p.spec as { containers: Array<Record<string, unknown>> };
  spec.containers[0] = {
    name: 'app',
    image: `registry.example.com/team/app-${i % 300}:v1.${i % 17}`,
    env: Array.from({ length: 12 }, (_, k) => ({ name: `SETTING_${k}`, value: `value-${k}-${i}` })),
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    volumeMounts: [{ name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
    ports: [{ containerPort: 8080, protocol: 'TCP' }],
  };
  return p;
}

async function bundleOperator(): Promise<string> {
  mkdirSync(work, { recursive: true });
  // Same externals and format as scripts/build.mjs: what the container image runs.
  return bundleOperatorEntry({
    root,
    out: join(work, 'operator-bundle.mjs'),
    external: EXTERNAL,
    lines: [
      "import { runOperator } from './src/cli/operator.ts';",
      'const [kubeconfig, config] = process.argv.slice(2);',
      "process.exit(await runOperator({ kubeconfig, config, metricsPort: 0, metricsHost: '127.0.0.1', identity: 'bench-operator', logLevel: 'info' }));",
    ],
  });
}

async function main(): Promise<void> {
  rmSync(work, { recursive: true, force: true });
  const bundle = await bundleOperator();
  const api = new KubeApiServer({ recordRequests: false, historyLimit: 20_000 });
  await api.start();

  // ---- the cluster: 1,000 nodes (3 may run smtp), 10,000 pods of which a handful are Mailu's
  const tBuild = performance.now();
  api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  api.bulkCreate(
    'nodes',
    Array.from({ length: NODES }, (_, i) => node(nodeName(i), { externalIPs: [nodeIp(i)], internalIPs: [`10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`], labels: i < 3 ? { 'mail.example.com/smtp': 'true' } : {}, images: 30 })),
  );
  const mailuPods = [
    pod('front-0', { nodeName: nodeName(0) }),
    pod('smtp-0', { component: 'smtp', nodeName: nodeName(1), nodeSelector: { 'mail.example.com/smtp': 'true' } }),
    pod('imap-0', { component: 'imap', nodeName: nodeName(2) }),
    pod('admin-0', { component: 'admin', nodeName: nodeName(3) }),
  ];
  api.bulkCreate('pods', [...mailuPods, ...Array.from({ length: PODS - mailuPods.length }, (_, i) => foreignPod(i))]);
  const buildMs = performance.now() - tBuild;

  // ---- the operator process
  const configPath = writeOperatorConfig(join(work, 'config.yaml'), { namespace: NS, smtpNodes: { 'mail.example.com/smtp': 'true' }, operator: {} });
  const kubeconfig = join(work, 'kubeconfig');
  writeFileSync(kubeconfig, api.kubeconfigYaml(), { mode: 0o600 });

  const published: Array<{ time: number; targets: string[] }> = [];
  api.subscribe((ev) => {
    if (ev.resource === 'dnsendpoints' && ev.object.metadata.name === ADDR) published.push({ time: ev.time, targets: targetsOf(ev.object) });
  });

  const tStart = performance.now();
  // The process environment the chart gives the operator (NODE_OPTIONS, MALLOC_ARENA_MAX).
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? OPERATOR_NODE_FLAGS), bundle, kubeconfig, configPath], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, ...(process.env.BENCH_NO_CHART_ENV === '1' ? {} : OPERATOR_RUNTIME_ENV) },
  });
  let stderr = '';
  let logErrors = 0;
  let healthPort = 0;
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        const l = JSON.parse(line) as { level: string; msg?: string; healthPort?: number };
        if (l.level === 'error' || l.level === 'fatal') logErrors++;
        if (l.msg === 'DNS operator starting' && l.healthPort) healthPort = l.healthPort;
      } catch {
        // not JSON
      }
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));

  const until = async (what: string, pred: () => boolean, ms: number) => {
    const deadline = performance.now() + ms;
    while (!pred()) {
      if (performance.now() > deadline) throw new Error(`benchmark: timed out waiting for ${what}\n${stderr}`);
      await sleep(1);
    }
  };
  await until('the first record', () => published.length > 0, 60_000);
  const initialSyncMs = performance.now() - tStart;
  await sleep(500);

  // ---- background: kubelet heartbeats on every node, all run long
  let beat = 0;
  let owed = 0;
  const heartbeat = setInterval(() => {
    owed += HEARTBEATS_PER_S / 20;
    for (; owed >= 1; owed--) {
      const n = nodeName(beat++ % NODES);
      api.mutate('nodes', undefined, n, (o) => {
        const conds = (o.status as { conditions: Array<{ lastHeartbeatTime: string }> }).conditions;
        for (const c of conds) c.lastHeartbeatTime = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      });
    }
  }, 50);

  // ---- steady state: nothing relevant changes
  const writeKeys = (m: Map<string, number>) => [...m].filter(([k]) => /^(POST|PUT|PATCH|DELETE) (dnsendpoints|events)/.test(k)).reduce((s, [, v]) => s + v, 0);
  api.resetCounts();
  await sleep(STEADY_MS);
  const steadyWrites = writeKeys(api.counts);
  const steadyCounts = new Map(api.counts);
  const rssSteady = procStatus(child.pid!);

  // ---- reschedules: the front pod's node is drained, the replacement starts elsewhere
  api.resetCounts();
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const latencies: number[] = [];
  const tRes = performance.now();
  let current = 'front-0';
  for (let r = 1; r <= RESCHEDULES; r++) {
    const target = 10 + ((r * 37) % (NODES - 10));
    const next = `front-${r}`;
    api.remove('pods', NS, current);
    api.create('pods', pod(next, { state: 'pending' }));
    setPodState(api, NS, next, 'scheduled', nodeName(target));
    setPodState(api, NS, next, 'running');
    await sleep(15); // containers start; the operator sees a pod that is not Ready yet
    const seen = published.length;
    const t0 = performance.now();
    setPodState(api, NS, next, 'ready');
    await until(`reschedule ${r}`, () => published.length > seen && published[published.length - 1]!.targets.join() === nodeIp(target), 5000);
    latencies.push(published[published.length - 1]!.time - t0);
    current = next;
    await sleep(15);
  }
  const resElapsedS = (performance.now() - tRes) / 1000;
  const resCounts = new Map(api.counts);
  clearInterval(heartbeat);
  const rssEnd = procStatus(child.pid!);
  const procMetrics = healthPort
    ? (await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text())
        .split('\n')
        .filter((l) => /^mailu_dns_operator_(process_resident_memory_bytes|nodejs_heap_size_(used|total)_bytes|nodejs_external_memory_bytes) /.test(l))
    : [];

  child.kill('SIGTERM');
  const code = await exited;
  await api.stop();

  // ---- figures
  const sorted = [...latencies].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  const perRes = (pred: (k: string) => boolean) => [...resCounts].filter(([k]) => pred(k)).reduce((s, [, v]) => s + v, 0) / RESCHEDULES;
  const leaseKeys = (m: Map<string, number>) => [...m].filter(([k]) => k.endsWith(' leases')).reduce((s, [, v]) => s + v, 0);
  const fmt = (n: number) => n.toFixed(2);
  const line = (k: string, v: string) => console.log(`  ${k.padEnd(44)} ${v}`);
  console.log(`DNS operator benchmark (Node ${process.version}; the operator is a separate process run from an esbuild bundle, dependencies ${EXTERNAL.length > 1 ? 'external (node_modules)' : 'inlined'}, env ${process.env.BENCH_NO_CHART_ENV === '1' ? 'default' : JSON.stringify(OPERATOR_RUNTIME_ENV)}, node flags ${JSON.stringify(process.env.BENCH_NODE_FLAGS ?? OPERATOR_NODE_FLAGS.join(' '))})`);
  console.log(`cluster: ${NODES} nodes (30 images each), ${PODS} pods (${mailuPods.length} of them Mailu's), built in ${buildMs.toFixed(0)} ms; ${HEARTBEATS_PER_S} node status updates/s in the background`);
  line('initial sync (process start -> record)', `${initialSyncMs.toFixed(0)} ms`);
  console.log(`reschedules: ${RESCHEDULES} (new front pod Ready -> DNSEndpoint stored with the new target)`);
  line('latency p50', `${fmt(p50)} ms`);
  line('latency p95', `${fmt(percentile(sorted, 95))} ms`);
  line('latency p99', `${fmt(p99)} ms   (target <= 50 ms: ${p99 <= 50 ? 'met' : 'MISSED'})`);
  line('slowest five', sorted.slice(-5).map((x) => x.toFixed(1)).join(', ') + ' ms');
  line('bench process event-loop delay p99 / max', `${(loopDelay.percentile(99) / 1e6).toFixed(1)} / ${(loopDelay.max / 1e6).toFixed(1)} ms`);
  line('latency max / mean', `${fmt(sorted[sorted.length - 1]!)} ms / ${fmt(latencies.reduce((a, b) => a + b, 0) / latencies.length)} ms`);
  line('API requests per reschedule (all, no leases)', fmt(perRes((k) => !k.endsWith(' leases'))));
  line('  DNSEndpoint writes (PUT/POST/DELETE)', fmt(perRes((k) => /^(PUT|POST|PATCH|DELETE) dnsendpoints/.test(k))));
  line('  Events created', fmt(perRes((k) => k === 'POST events')));
  line('  reads (GET/LIST/WATCH)', fmt(perRes((k) => /^(GET|LIST|WATCH) /.test(k) && !k.endsWith(' leases'))));
  line('lease requests per second (time-based)', fmt(leaseKeys(resCounts) / resElapsedS));
  console.log(`steady state: ${(STEADY_MS / 1000).toFixed(0)} s of heartbeats, nothing relevant changing`);
  line('DNSEndpoint/Event writes', `${steadyWrites}   (target 0: ${steadyWrites === 0 ? 'met' : 'MISSED'})`);
  line('API requests (excluding leases)', String([...steadyCounts].filter(([k]) => !k.endsWith(' leases')).reduce((s, [, v]) => s + v, 0)));
  console.log('operator memory');
  line('RSS after steady state', `${mib(rssSteady.rss)} MiB`);
  line('RSS after reschedules', `${mib(rssEnd.rss)} MiB   (target <= 80 MiB: ${rssEnd.rss / 1024 <= 80 ? 'met' : 'MISSED'})`);
  line('peak RSS (incl. initial list of all nodes)', `${mib(rssEnd.hwm)} MiB`);
  for (const l of procMetrics) {
    const [k, v] = l.split(' ');
    line(`  ${k!.replace('mailu_dns_operator_', '')}`, `${(Number(v) / 1048576).toFixed(1)} MiB`);
  }
  line('error log lines / exit code after SIGTERM', `${logErrors} / ${code}`);
  if (code !== 0) console.log(stderr);
}

/** The main case, then 500 mail domains from Mailu's API (bench/operator-mailu-api.ts). */
async function all(): Promise<void> {
  if (process.env.BENCH_SKIP_MAIN !== '1') await main();
  await (await import('./operator-mailu-api.js')).mailuApiCase({ work, root, rss: procStatus });
}

// `npm run bench:operator -- --faults` runs the fault benchmark (bench/operator-faults.ts) instead.
const run = process.argv.includes('--faults') ? (await import('./operator-faults.js')).main : all;
run().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
