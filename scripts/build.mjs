// Build: tsc emits the library (lib/, with .d.ts); esbuild bundles the CLI twice: as ESM with
// lazily loaded chunks (every command), and as one CommonJS file for the fast start of the
// generator commands, whose V8 code cache is written here (see bin/mailu-k8s.js and
// bench/synth.mjs).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { lazyModules } from './lazy-modules.mjs';
import { ZOD_BUNDLE, zodLite } from './zod-lite.mjs';

rmSync('lib', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
};
// The ESM bundle inlines the operator's and doctor's clients too (tree-shaken: less to load and
// less memory for the operator). Optional native add-ons of `ws` stay optional.
const optionalNative = ['bufferutil', 'utf-8-validate'];
// The fast CommonJS bundle never runs the operator or the doctor: it leaves their clients out.
const networkClients = ['@kubernetes/client-node', 'mailauth', 'pino', 'prom-client'];
// elkjs (1.5 MB, the diagram's layout) stays out of it too: `synth --diagram` requires it from
// node_modules, so plain `synth` neither reads nor caches it (in the ESM bundle it is its own chunk).
const lazyFromNodeModules = ['elkjs'];
await build({
  ...common,
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'lib/bundle',
  splitting: true,
  format: 'esm',
  external: optionalNative,
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const cjs = 'lib/bundle/cli.cjs';
// Its config schema is built with zod-lite (scripts/zod-lite.mjs): zod itself loads only when a
// config needs it (an error to report, or something the fast path leaves to zod); cdk8s's modules
// and commander's child_process load as they are used (scripts/lazy-modules.mjs).
await build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: cjs, format: 'cjs', external: [...networkClients, ...lazyFromNodeModules, ...optionalNative], plugins: [zodLite, lazyModules],
  // fast-schema.ts reads import.meta only where `require` is missing, which it never is here.
  logOverride: { 'empty-import-meta': 'silent' } });
await build({ ...common, stdin: { contents: "export * from 'zod';", resolveDir: '.' }, outfile: `lib/bundle/${ZOD_BUNDLE}`, format: 'cjs' });
writeCodeCache();

/**
 * The shipped code cache: made by the launcher's own cache run (synth of the full example) under
 * plain `node`, with no NODE_OPTIONS, so it matches what users run by default. The id (a hash of
 * the bundle) names user caches, so a cache never outlives the bundle it was made from.
 */
function writeCodeCache() {
  const id = createHash('sha256').update(readFileSync(cjs)).digest('hex').slice(0, 16);
  const env = { ...process.env, MAILU_K8S_WARM_CACHE: `${cjs}.cache`, MAILU_K8S_WARM_META: '1' };
  delete env.NODE_OPTIONS;
  const warm = (extra = {}) => spawnSync(process.execPath, ['bin/mailu-k8s.js'], { env: { ...env, ...extra }, encoding: 'utf8' });
  let run = warm();
  if (run.status !== 0) {
    console.warn(`examples/full.yaml does not synth (${run.stderr.trim()}); the code cache is made from the built-in example`);
    run = warm({ MAILU_K8S_WARM_EXAMPLE: 'embedded' });
  }
  // The cache run is also the first run of the fast bundle: a bundle that cannot synth fails here.
  if (run.status !== 0 || !existsSync(`${cjs}.cache`)) throw new Error(`the CLI bundle does not run: ${run.stderr}`);
  // The cache run wrote the Node and architecture the cache fits; the bundle's id joins them.
  const fits = JSON.parse(readFileSync(`${cjs}.cache.json`, 'utf8'));
  writeFileSync(`${cjs}.cache.json`, `${JSON.stringify({ id, ...fits })}\n`);
}
