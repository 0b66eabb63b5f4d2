// The DNS operator with 500 mail domains from Mailu's API (dns.operator.mailuApi), as part of
// `npm run bench:operator`: the operator runs as its own process from the same bundle, against the
// Kubernetes API test server and the Mailu API test server, polling every BENCH_API_INTERVAL_MS.
//
// Measured:
// - initial publication: process start -> every domain's DNSEndpoint stored;
// - a new domain: from the moment Mailu's API lists it (the answer to the first GET /domain that
//   holds it) to the moment its DNSEndpoint is stored, and from the moment it is added (which
//   adds up to one poll interval of waiting), over BENCH_NEW_DOMAINS additions;
// - steady state: API calls and DNSEndpoint/Event writes per poll (target: 0 writes);
// - the operator process's resident memory.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATOR_NODE_FLAGS, OPERATOR_RUNTIME_ENV } from '../src/chart/operator.js';
import { domainEndpointName } from '../src/operator/mailu-api/desired.js';
import { KubeApiServer } from '../test/support/kube-api-server.js';
import { node, pod } from '../test/support/kube-fixtures.js';
import { MailuApiServer } from '../test/support/mailu-api-server.js';
import { bundleOperatorEntry, mib, percentile, sleep, writeOperatorConfig } from './operator-support.js';

const DOMAINS = Number(process.env.BENCH_DOMAINS ?? 500);
const NEW_DOMAINS = Number(process.env.BENCH_NEW_DOMAINS ?? 20);
const INTERVAL_MS = Number(process.env.BENCH_API_INTERVAL_MS ?? 1000);
const STEADY_POLLS = Number(process.env.BENCH_STEADY_POLLS ?? 10);
const NODES = 100;
const NS = 'mailu';

/**
 * The operator as the image runs it, except for the entry: the config's poll interval has a 10 s
 * floor, so this entry passes the benchmark's interval (and the test server's URL) directly.
 */
function bundle(root: string, work: string): Promise<string> {
  return bundleOperatorEntry({
    root,
    out: join(work, 'operator-mailu-api-bundle.mjs'),
    external: ['mailauth'],
    lines: [
      "import * as k8s from '@kubernetes/client-node';",
      "import { Operator } from './src/operator/operator.ts';",
      "import { createLogger } from './src/operator/logger.ts';",
      "import { loadConfigFile } from './src/validation/index.ts';",
      'const [kubeconfig, config, url, intervalMs] = process.argv.slice(2);',
      'const kc = new k8s.KubeConfig();',
      'kc.loadFromFile(kubeconfig);',
      "const op = new Operator({ config: loadConfigFile(config).config, kubeConfig: kc, identity: 'bench-operator', metricsPort: 0, metricsHost: '127.0.0.1', logger: createLogger({ level: 'info' }), defaultMetrics: true, mailuApi: { url, intervalMs: Number(intervalMs) } });",
      'await op.start();',
      "process.once('SIGTERM', () => op.stop().then(() => process.exit(0)));",
    ],
  });
}

export async function mailuApiCase(opts: { work: string; root: string; rss: (pid: number) => { rss: number; hwm: number } }): Promise<void> {
  mkdirSync(opts.work, { recursive: true });
  const entry = await bundle(opts.root, opts.work);
  const api = new KubeApiServer({ recordRequests: false, historyLimit: 20_000 });
  await api.start();
  api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  api.bulkCreate('nodes', Array.from({ length: NODES }, (_, i) => node(`node-${i}`, { externalIPs: [`198.18.0.${i + 1}`], labels: i < 3 ? { mail: 'yes' } : {} })));
  api.bulkCreate('pods', [pod('front-0', { nodeName: 'node-0' }), pod('smtp-0', { component: 'smtp', nodeName: 'node-1', nodeSelector: { mail: 'yes' } })]);
  const mailu = await new MailuApiServer().start();
  const domain = (i: number) => `domain-${String(i).padStart(4, '0')}.example.net`;
  mailu.addDomain('example.com', { dkim: true });
  for (let i = 0; i < DOMAINS - 1; i++) mailu.addDomain(domain(i), { dkim: true, alternatives: i % 10 === 0 ? [`alt-${i}.example.org`] : [] });

  const configPath = writeOperatorConfig(join(opts.work, 'config-mailu-api.yaml'), {
    namespace: NS,
    smtpNodes: { mail: 'yes' },
    operator: { mailuApi: { enabled: true, secret: { name: 'mailu-api' } } },
  });
  const kubeconfig = join(opts.work, 'kubeconfig-mailu-api');
  writeFileSync(kubeconfig, api.kubeconfigYaml(), { mode: 0o600 });
  const stored = new Map<string, number>();
  api.subscribe((ev) => {
    if (ev.resource === 'dnsendpoints' && ev.type === 'ADDED') stored.set(ev.object.metadata.name!, ev.time);
  });

  const t0 = performance.now();
  const child = spawn(process.execPath, [...OPERATOR_NODE_FLAGS, entry, kubeconfig, configPath, mailu.url, String(INTERVAL_MS)], {
    cwd: opts.root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, ...OPERATOR_RUNTIME_ENV, MAILU_API_TOKEN: mailu.opts.token },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const until = async (what: string, pred: () => boolean, ms: number) => {
    const deadline = performance.now() + ms;
    while (!pred()) {
      if (performance.now() > deadline) throw new Error(`benchmark (Mailu API): timed out waiting for ${what}\n${stderr}`);
      await sleep(1);
    }
  };
  const expected = DOMAINS + Math.ceil((DOMAINS - 1) / 10); // domains + alternatives
  await until('every domain published', () => stored.size >= expected, 120_000);
  const initialMs = performance.now() - t0;

  // ---- steady state: polls see the same answer
  await sleep(INTERVAL_MS * 2);
  api.resetCounts();
  const reqBefore = mailu.requests.length;
  const pollsBefore = mailu.count('GET', '/api/v1/domain');
  await until(`${STEADY_POLLS} polls`, () => mailu.count('GET', '/api/v1/domain') - pollsBefore >= STEADY_POLLS, INTERVAL_MS * (STEADY_POLLS + 5));
  await sleep(50);
  const polls = mailu.count('GET', '/api/v1/domain') - pollsBefore;
  const apiCalls = mailu.requests.length - reqBefore;
  const writes = [...api.counts].filter(([k]) => /^(POST|PUT|PATCH|DELETE) (dnsendpoints|events)/.test(k)).reduce((s, [, v]) => s + v, 0);
  const rssSteady = opts.rss(child.pid!);

  // ---- new domains, one at a time
  const sinceListed: number[] = [];
  const sinceAdded: number[] = [];
  for (let k = 0; k < NEW_DOMAINS; k++) {
    const name = `new-${k}.example.org`;
    const obj = domainEndpointName('mailu', name);
    const firstRequest = mailu.requests.length;
    const added = performance.now();
    mailu.addDomain(name, { dkim: true });
    await until(`new domain ${k}`, () => stored.has(obj), INTERVAL_MS * 10);
    const listed = mailu.requests.slice(firstRequest).find((r) => r.path === '/api/v1/domain' && r.answeredAt !== undefined && r.answeredAt >= added);
    sinceAdded.push(stored.get(obj)! - added);
    if (listed) sinceListed.push(stored.get(obj)! - listed.answeredAt!);
    await sleep((k * 137) % INTERVAL_MS); // add at different points of the poll cycle
  }
  const rssEnd = opts.rss(child.pid!);
  child.kill('SIGTERM');
  const code = await exited;
  await mailu.stop();
  await api.stop();

  const line = (k: string, v: string) => console.log(`  ${k.padEnd(44)} ${v}`);
  const s1 = [...sinceListed].sort((a, b) => a - b);
  const s2 = [...sinceAdded].sort((a, b) => a - b);
  console.log(`Mailu API: ${DOMAINS} domains (+ ${expected - DOMAINS} alternatives) with DKIM keys, polled every ${INTERVAL_MS} ms; ${NODES} nodes`);
  line('initial publication (start -> all objects)', `${initialMs.toFixed(0)} ms for ${expected} DNSEndpoints`);
  line('new domain: API lists it -> DNSEndpoint stored', `p50 ${percentile(s1, 50).toFixed(1)} ms, max ${s1[s1.length - 1]!.toFixed(1)} ms (${s1.length} domains)`);
  line('new domain: added in Mailu -> stored', `p50 ${percentile(s2, 50).toFixed(0)} ms, max ${s2[s2.length - 1]!.toFixed(0)} ms (includes waiting for the next poll)`);
  console.log(`steady state: ${polls} polls, nothing changing`);
  line('Mailu API calls per poll', (apiCalls / polls).toFixed(2));
  line('DNSEndpoint/Event writes per poll', `${(writes / polls).toFixed(2)}   (target 0: ${writes === 0 ? 'met' : 'MISSED'})`);
  line('RSS after steady state / after new domains', `${mib(rssSteady.rss)} / ${mib(rssEnd.rss)} MiB (peak ${mib(rssEnd.hwm)} MiB)`);
  line('exit code after SIGTERM', String(code));
  if (code !== 0) console.log(stderr);
}
