// Benchmark: cold-process wall time and peak RSS of `mailu-k8s synth` on the full-featured example,
// next to `node -e 0` (the floor any Node CLI pays). Median of N runs. Prints figures; asserts nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
if (!existsSync('lib/bundle/cli.js')) spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
const work = mkdtempSync(join(tmpdir(), 'mailu-bench-'));

function measure(args, withRss) {
  const rssFile = join(work, 'rss');
  const env = { ...process.env, RSS_OUT: rssFile };
  const full = withRss ? ['--import', new URL('./rss-probe.mjs', import.meta.url).href, ...args] : args;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, full, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return withRss ? Number(readFileSync(rssFile, 'utf8')) / 1024 : ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function series(args) {
  measure(args, false); // warm the file cache once
  const times = Array.from({ length: RUNS }, () => measure(args, false));
  const rss = Array.from({ length: 3 }, () => measure(args, true));
  return { ms: median(times), min: Math.min(...times), rss: median(rss) };
}

const floor = series(['-e', '0']);
const synth = series(['bin/mailu-k8s.js', 'synth', '--config', 'examples/full.yaml', '--out', join(work, 'out')]);
const split = series(['bin/mailu-k8s.js', 'synth', '--config', 'examples/full.yaml', '--out', join(work, 'out2'), '--split']);
rmSync(work, { recursive: true, force: true });

const row = (name, s) =>
  `${name.padEnd(34)} ${s.ms.toFixed(1).padStart(8)} ms  (min ${s.min.toFixed(1)})  ${(s.ms / floor.ms).toFixed(2).padStart(5)}x floor  ${s.rss.toFixed(1).padStart(6)} MiB peak RSS`;
console.log(`mailu-k8s synth benchmark (median of ${RUNS} cold runs, node ${process.version})`);
console.log(row('node -e 0 (floor)', floor));
console.log(row('synth examples/full.yaml', synth));
console.log(row('synth examples/full.yaml --split', split));
console.log('target: at or below `helm template` of the official chart (~1.1x floor)');
