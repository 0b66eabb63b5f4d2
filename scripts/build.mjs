// Build: tsc emits the library (lib/, with .d.ts) and esbuild bundles the CLI into one
// ESM file with lazily loaded chunks, so `mailu-k8s synth` starts without resolving
// hundreds of modules (start-up time is a product goal, see bench/synth.mjs).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('lib', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
await build({
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'lib/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  // The operator and doctor stacks are loaded only by their commands; keep the heavy
  // network clients out of the bundle so they resolve from node_modules when needed.
  external: ['@kubernetes/client-node', 'mailauth', 'pino', 'prom-client'],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
