// Build: tsc emits the library (lib/, with .d.ts); esbuild bundles the CLI twice: as ESM with
// lazily loaded chunks (every command), and as one CommonJS file whose V8 code cache is written
// here, for the fast start of the generator commands (see bin/mailu-k8s.js and bench/synth.mjs).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

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
// One CommonJS file for the generator commands, run through V8's code cache (bin/mailu-k8s.js).
await build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'lib/bundle/cli.cjs', format: 'cjs', external: [...networkClients, ...lazyFromNodeModules, ...optionalNative] });
const scratch = mkdtempSync(join(tmpdir(), 'mailu-k8s-build-'));
try {
  execFileSync(process.execPath, ['bin/mailu-k8s.js', 'synth', '--config', 'examples/full.yaml', '--out', join(scratch, 'out')], {
    env: { ...process.env, MAILU_K8S_WRITE_CODE_CACHE: '1' },
    stdio: 'ignore',
  });
} catch {
  console.warn('code cache not written: the CLI works, only start-up is slower');
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
