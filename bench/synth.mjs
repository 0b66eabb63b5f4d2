// Benchmark: cold-process wall time of `mailu-k8s synth` on the full-featured example, against
// `node -e 0` (the floor every Node CLI pays), measured as users run it: no NODE_EXTRA_CA_CERTS
// (Node reads that file at every start; helm does not) and no NODE_OPTIONS, unless a row sets
// them. Runs are interleaved (floor, command, floor, …) and the median of each series is taken,
// so a busy machine slows both alike. Prints figures; asserts nothing (tests check behaviour).
//
//   npm run bench                 BENCH_RUNS=41 npm run bench   (default 21 runs per row)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scaledConfig } from './scale.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const TARGET = 3.5; // `helm template` of the official chart, measured the same way (issue 12)
// Heap sizes, the stack trace limit and Node's own flags leave the shipped code cache usable;
// another V8 flag needs a cache of its own, which the install script makes (bin/mailu-k8s.js).
const FLAGGED = [
  { flags: '--max-old-space-size=4096', ownCache: false },
  { flags: '--max-old-space-size=4096 --max-semi-space-size=32 --enable-source-maps', ownCache: false },
  { flags: '--stack-trace-limit=50', ownCache: false },
  { flags: '--interpreted-frames-native-stack', ownCache: true },
];
const OTHER_FLAG = '--abort-on-uncaught-exception'; // a V8 flag no cache was made for

if (!existsSync('lib/bundle/cli.cjs')) spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const work = mkdtempSync(join(tmpdir(), 'mailu-bench-'));
const cacheDir = join(work, 'cache'); // user code caches made under NODE_OPTIONS go here, not in ~/.cache
const plainEnv = { ...process.env, MAILU_K8S_CACHE_DIR: cacheDir };
delete plainEnv.NODE_EXTRA_CA_CERTS;
delete plainEnv.NODE_OPTIONS;

function run(args, env, rssFile) {
  const full = rssFile ? ['--import', new URL('./rss-probe.mjs', import.meta.url).href, ...args] : args;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, full, { env: rssFile ? { ...env, RSS_OUT: rssFile } : env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const synthArgs = (config, out) => ['bin/mailu-k8s.js', 'synth', '--config', config, '--out', join(work, out)];

/** Interleaved series: each row's command alternates with the floor; returns medians in ms. */
function interleaved(rows) {
  const floor = [];
  const times = rows.map(() => []);
  for (const r of rows) run(r.args, r.env); // warm the file cache
  for (let i = 0; i < RUNS; i++) {
    floor.push(run(['-e', '0'], plainEnv));
    rows.forEach((r, j) => times[j].push(run(r.args, r.env)));
  }
  return { floor: median(floor), rows: times.map(median) };
}

function peakRss(args, env) {
  const file = join(work, 'rss');
  run(args, env, file);
  return Number(readFileSync(file, 'utf8')) / 1024;
}

const configs = {};
for (const factor of [1, 10, 100]) {
  configs[factor] = join(work, `config-x${factor}.yaml`);
  writeFileSync(configs[factor], scaledConfig(factor));
}
mkdirSync(cacheDir);
// What `npm install` runs under these flags: the cache they need, beside the shipped one.
for (const { flags } of FLAGGED.filter((f) => f.ownCache)) run(['bin/make-code-cache.js'], { ...plainEnv, NODE_OPTIONS: flags });

const rows = [
  { name: 'synth examples/full.yaml', args: synthArgs(configs[1], 'a'), env: plainEnv },
  ...FLAGGED.map(({ flags }, i) => ({ name: `  with NODE_OPTIONS=${flags}`, args: synthArgs(configs[1], `f${i}`), env: { ...plainEnv, NODE_OPTIONS: flags } })),
  { name: 'synth --split', args: [...synthArgs(configs[1], 's'), '--split'], env: plainEnv },
  { name: 'synth, config 10x larger', args: synthArgs(configs[10], 'x10'), env: plainEnv },
  { name: 'synth, config 100x larger', args: synthArgs(configs[100], 'x100'), env: plainEnv },
];
const { floor, rows: ms } = interleaved(rows);

// Without any code cache; and a run under a V8 flag no cache fits beside the same run with the
// cache switched off: it reads and starts nothing, so it should cost no more.
const other = [];
const otherOff = [];
const none = [];
for (let i = 0; i < RUNS; i++) {
  other.push(run(synthArgs(configs[1], 'n'), { ...plainEnv, NODE_OPTIONS: OTHER_FLAG }));
  otherOff.push(run(synthArgs(configs[1], 'n'), { ...plainEnv, NODE_OPTIONS: OTHER_FLAG, MAILU_K8S_CODE_CACHE: 'off' }));
  none.push(run(synthArgs(configs[1], 'n'), { ...plainEnv, MAILU_K8S_CODE_CACHE: 'off' }));
}

const rss = peakRss(synthArgs(configs[1], 'r'), plainEnv);
const rss100 = peakRss(synthArgs(configs[100], 'r100'), plainEnv);
rmSync(work, { recursive: true, force: true });
for (const f of readdirSync('lib/bundle').filter((x) => /^cli\.cjs\..+-v\d.*\.cache$/.test(x))) rmSync(join('lib/bundle', f));

const f = (x) => `${x.toFixed(1).padStart(7)} ms ${(x / floor).toFixed(2).padStart(6)}x floor`;
console.log(`mailu-k8s synth (median of ${RUNS} interleaved cold runs, node ${process.version}, no NODE_EXTRA_CA_CERTS)`);
console.log(`${'node -e 0 (floor)'.padEnd(62)} ${f(floor)}`);
rows.forEach((r, i) => console.log(`${r.name.padEnd(62)} ${f(ms[i])}`));
console.log(`${'no code cache at all'.padEnd(62)} ${f(median(none))}`);
console.log(`${`with NODE_OPTIONS=${OTHER_FLAG} (no cache fits)`.padEnd(62)} ${f(median(other))}`);
console.log(`${'  the same, code cache off'.padEnd(62)} ${f(median(otherOff))}  (difference ${(median(other) - median(otherOff)).toFixed(1)} ms)`);
console.log(`peak RSS: ${rss.toFixed(1)} MiB (full.yaml), ${rss100.toFixed(1)} MiB (100x)`);
const plain = ms[0];
const worstFlagged = Math.max(...ms.slice(1, 1 + FLAGGED.length));
const [t10, t100] = [ms[rows.length - 2], ms[rows.length - 1]];
// Linear growth: the same cost per added copy of the lists from 1x to 10x as from 10x to 100x.
const slope = (a, b, from, to) => ((b - a) / (to - from)).toFixed(2);
console.log(`growth: 10x +${(t10 - plain).toFixed(1)} ms, 100x +${(t100 - plain).toFixed(1)} ms; ms per added 1x: ${slope(plain, t10, 1, 10)} (1x to 10x), ${slope(t10, t100, 10, 100)} (10x to 100x)`);
console.log(`target: plain <= ${TARGET}x floor: ${plain / floor <= TARGET ? 'met' : 'NOT met'} (${(plain / floor).toFixed(2)}x); ` +
  `with flags <= 1.2x plain: ${worstFlagged / plain <= 1.2 ? 'met' : 'NOT met'} (${(worstFlagged / plain).toFixed(2)}x)`);
