#!/usr/bin/env node
// Start-up time is a product goal (see bench/synth.mjs). The generator commands run from one
// CommonJS bundle through V8's code cache, written at build time, so a run skips parsing and
// compiling ~1 MB of JavaScript. The operator and the doctor need ESM-only network clients and
// load the ESM bundle. A missing or stale cache only costs speed: V8 then compiles as usual.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const bundleDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'bundle');
const cjs = join(bundleDir, 'cli.cjs');
const cacheFile = `${cjs}.cache`;
const FAST = new Set(['synth', 'validate', 'schema', 'dns']);

if (FAST.has(process.argv[2]) && existsSync(cjs)) {
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(cjs, 'utf8')}\n})`;
  const cachedData = existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  const script = new vm.Script(source, { filename: cjs, ...(cachedData ? { cachedData } : {}) });
  if (process.env.MAILU_K8S_WRITE_CODE_CACHE === '1') {
    // Build step (scripts/build.mjs): after a representative run, save the compiled code.
    process.once('beforeExit', () => writeFileSync(cacheFile, script.createCachedData()));
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(cjs), module, cjs, bundleDir);
} else {
  await import('../lib/bundle/cli.js');
}
