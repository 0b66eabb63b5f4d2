// Regenerates docs/topology.png, the README's picture of `mailu-k8s diagram`: the built CLI draws
// the embedded example (or --config FILE), headless Chromium (Debian's `chromium`) takes the
// screenshot at the SVG's own size. Run after `npm ci` (which builds): node scripts/diagram-screenshot.mjs
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const at = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
const config = at('--config');
const out = resolve(at('--out') ?? 'docs/topology.png');

const run = (cmd, argv) => {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.error ?? ''}${r.stderr}`);
  return r;
};

if (!existsSync('lib/bundle/cli.js')) run(process.execPath, ['scripts/build.mjs']);
const work = mkdtempSync(join(tmpdir(), 'mailu-k8s-screenshot-'));
try {
  const svg = join(work, 'topology.svg');
  run(process.execPath, ['bin/mailu-k8s.js', 'diagram', ...(config ? ['--config', config] : []), '--out', svg]);
  const head = readFileSync(svg, 'utf8').slice(0, 200);
  const [, width, height] = /width="(\d+)" height="(\d+)"/.exec(head) ?? [];
  run('chromium', [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--hide-scrollbars',
    '--force-device-scale-factor=1',
    `--user-data-dir=${join(work, 'profile')}`,
    `--window-size=${width},${height}`,
    `--screenshot=${out}`,
    `file://${svg}`,
  ]);
  console.log(`wrote ${out} (${width}×${height})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
