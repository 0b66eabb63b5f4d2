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
  // The operator and doctor stacks are loaded only by their commands; keep the heavy
  // network clients out of the bundle so they resolve from node_modules when needed.
  external: ['@kubernetes/client-node', 'mailauth', 'pino', 'prom-client'],
  logLevel: 'warning',
};
await build({
  ...common,
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'lib/bundle',
  splitting: true,
  format: 'esm',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
// One CommonJS file for the generator commands, run through V8's code cache (bin/mailu-k8s.js).
await build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'lib/bundle/cli.cjs', format: 'cjs' });
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
