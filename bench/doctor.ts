// Benchmark: wall time of a full `mailu-k8s doctor` run against an authoritative DNS server on
// loopback serving the example deployment's zones (plus an SMTP probe), target <= 1 s. A second
// series adds a simulated 20 ms round trip per DNS answer to show that lookups go out in
// parallel: the wall time stays near (longest dependency chain x 20 ms), far below (queries x 20 ms).
// Prints figures; asserts nothing.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { runDoctor } from '../src/cli/doctor.js';
import { exampleConfig } from '../src/config/example.js';
import { parseConfig } from '../src/validation/index.js';
import { planDns } from '../src/dns/plan.js';
import { createNodeResolver } from '../src/doctor/resolver.js';
import { runDoctorChecks } from '../src/doctor/run.js';
import { startDnsServer } from '../test/support/dns-server.js';
import { startSmtpServer } from '../test/support/smtp-server.js';
import { zonesFromPlan } from '../test/doctor/fixtures.js';

const RUNS = 15;
const RTT_MS = 20;
const TARGET_MS = 1000;

const plan = planDns(parseConfig(exampleConfig));
const zones = zonesFromPlan(plan);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};
const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

async function series(delayMs: number): Promise<{ first: number; median: number; max: number; queries: number; fails: number }> {
  const dns = await startDnsServer({ zones, delayMs });
  const smtp = await startSmtpServer({ banner: `220 ${plan.primaryHostname} ESMTP`, starttls: true });
  const times: number[] = [];
  let queries = 0;
  let fails = 0;
  try {
    for (let i = 0; i < RUNS; i++) {
      // A fresh resolver per run: nothing is cached between runs.
      const resolver = createNodeResolver({ servers: [dns.server], timeoutMs: 2000, tries: 1 });
      const t0 = performance.now();
      const report = await runDoctorChecks({ plan, resolver, smtp: { host: '127.0.0.1', port: smtp.port } });
      times.push(performance.now() - t0);
      queries = report.queries;
      fails = report.summary.fail;
    }
  } finally {
    await Promise.all([dns.close(), smtp.close()]);
  }
  return { first: times[0] ?? NaN, median: median(times), max: Math.max(...times), queries, fails };
}

// The whole command as a user runs it (config parse, plan, checks, table), output discarded.
async function wholeCommand(): Promise<number> {
  const dns = await startDnsServer({ zones });
  const smtp = await startSmtpServer({ banner: `220 ${plan.primaryHostname} ESMTP`, starttls: true });
  try {
    const sink = { write: () => true };
    const t0 = performance.now();
    const code = await runDoctor({ resolver: dns.server, smtp: smtp.target }, { stdout: sink, stderr: sink });
    const ms = performance.now() - t0;
    if (code !== 0) throw new Error(`doctor exited ${code} on the correct zones`);
    return ms;
  } finally {
    await Promise.all([dns.close(), smtp.close()]);
  }
}

// A cold process of the built CLI (node start-up, module loading, mailauth), when it is built.
async function coldProcess(): Promise<number | undefined> {
  const cli = 'lib/bundle/cli.js';
  if (!existsSync(cli)) return undefined;
  const dns = await startDnsServer({ zones });
  try {
    const t0 = performance.now();
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [cli, 'doctor', '--resolver', dns.server], { stdio: 'ignore' });
      const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('exit', (c) => {
        clearTimeout(kill);
        resolve(c);
      });
    });
    const ms = performance.now() - t0;
    if (code !== 0) throw new Error(`${cli} doctor exited ${code}`);
    return ms;
  } finally {
    await dns.close();
  }
}

const loop = await series(0);
const slow = await series(RTT_MS);
const cmd = await wholeCommand();
const cold = await coldProcess();

console.log(`doctor benchmark (example.com deployment, ${RUNS} runs each, DNS on 127.0.0.1, SMTP probe included)`);
console.log(`  loopback:            median ${fmt(loop.median)}, first ${fmt(loop.first)}, max ${fmt(loop.max)}; ${loop.queries} DNS queries; ${loop.fails} failures`);
console.log(`  +${RTT_MS} ms per answer:  median ${fmt(slow.median)}, max ${fmt(slow.max)}; one-at-a-time would need >= ${fmt(slow.queries * RTT_MS)} (${slow.queries} x ${RTT_MS} ms)`);
console.log(`  whole command (config, plan, checks, table): ${fmt(cmd)}`);
console.log(`  cold process (node lib/bundle/cli.js doctor): ${cold === undefined ? 'not measured, run npm run build first' : fmt(cold)}`);
console.log(`  target <= ${TARGET_MS} ms on loopback: ${loop.max <= TARGET_MS && cmd <= TARGET_MS && (cold ?? 0) <= TARGET_MS ? 'met' : 'MISSED'}`);
