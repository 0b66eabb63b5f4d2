#!/usr/bin/env node
'use strict';
// Start-up time is a product goal (npm run bench): `synth` should cost no more than `helm
// template`. This launcher is CommonJS (bin/package.json) because an ES module entry makes Node set
// up its ESM loader, a few milliseconds before any of our code runs.
//
// The generator commands run from one CommonJS bundle (lib/bundle/cli.cjs) through V8's code
// cache, so a run skips parsing and compiling most of its JavaScript. V8 accepts a cache only from
// the same V8 version and the same V8 flags. The cache shipped in the package was made by plain
// `node` of the version that built it; heap sizes in NODE_OPTIONS are neutralised below so it
// still fits them. For another Node or another V8 flag, the first run compiles as usual and starts
// a background process that leaves a cache for that version and those flags in the user's cache
// directory, which later runs use. A cache that cannot be read or written is skipped silently:
// it only ever costs speed, never a failure.
//
// The operator and the doctor need ESM-only network clients and load the ESM bundle.
const { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const bundleDir = join(__dirname, '..', 'lib', 'bundle');
const cjs = join(bundleDir, 'cli.cjs');
const FAST = new Set(['synth', 'validate', 'schema', 'dns']);
// A one-shot CLI finishes before TurboFan's optimised code would pay off, and waiting for its
// background jobs at exit cost more than they saved (npm run bench). Part of V8's flags, so every
// cache is made and used with it set.
const V8_FLAGS = '--no-opt';
// Heap sizes (NODE_OPTIONS=--max-old-space-size=4096 is common) are read once, when the heap is
// set up. Set back to their defaults afterwards, the heap stays as configured, and V8's flag check
// of a code cache no longer sees them: the shipped cache fits, with no cache to make.
const HEAP_SIZE_FLAG = /^--(max[-_]old[-_]space[-_]size|(max|min)[-_]semi[-_]space[-_]size|initial[-_]old[-_]space[-_]size|(max|initial)[-_]heap[-_]size)(=|$)/;

const warmTarget = process.env.MAILU_K8S_WARM_CACHE;
if (warmTarget) {
  warm(warmTarget);
} else if (FAST.has(process.argv[2]) && existsSync(cjs)) {
  runFast(chooseCache());
} else {
  import('../lib/bundle/cli.js');
}

function runFast(cache) {
  const heapSizes = userFlags().filter((f) => HEAP_SIZE_FLAG.test(f)).map((f) => `${f.split('=')[0]}=0`);
  require('node:v8').setFlagsFromString([V8_FLAGS, ...heapSizes].join(' '));
  // The maker starts once this run is done (its output written), so this run's own time holds only
  // the fork, never the competition for a core.
  if (cache.userFile && !cache.data) process.once('exit', () => rebuildInBackground(cache.userFile));
  const source = `(function (exports, require, module, __filename, __dirname) {${readSource(cjs)}\n})`;
  const vm = require('node:vm');
  const script = new vm.Script(source, { filename: cjs, ...(cache.data ? { cachedData: cache.data } : {}) });
  if (cache.userFile && cache.data && script.cachedDataRejected) process.once('exit', () => rebuildInBackground(cache.userFile));
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require('node:module').createRequire(cjs), module, cjs, bundleDir);
  return script;
}

/**
 * A cache for this Node and these flags is made by a detached process of its own (same Node, same
 * flags), so the run that found none pays only for starting it, not for making it. A lock file
 * keeps concurrent runs from starting one each; one left by a process that died expires.
 */
function rebuildInBackground(file) {
  const lock = `${file}.lock`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    if (!takeLock(lock)) return;
    const env = { ...process.env, MAILU_K8S_WARM_CACHE: file, MAILU_K8S_WARM_LOCK: lock };
    require('node:child_process').spawn(process.execPath, [...process.execArgv, __filename], { detached: true, stdio: 'ignore', env }).unref();
  } catch {
    // No cache directory or no process: later runs compile as this one did.
  }
}

function takeLock(lock) {
  try {
    closeSync(openSync(lock, 'wx'));
    return true;
  } catch {
    if (Date.now() - statSync(lock).mtimeMs < 120_000) return false;
    rmSync(lock, { force: true });
    closeSync(openSync(lock, 'wx'));
    return true;
  }
}

/**
 * Makes a cache: a representative run (synth of the full example into a scratch directory),
 * then V8's cache of everything it compiled, written atomically to `file`. scripts/build.mjs
 * makes the shipped cache this way too.
 */
function warm(file) {
  const scratch = mkdtempSync(join(require('node:os').tmpdir(), 'mailu-k8s-warm-'));
  const example = join(__dirname, '..', 'examples', 'full.yaml');
  // MAILU_K8S_WARM_EXAMPLE=embedded: the built-in example.com config instead (scripts/build.mjs).
  const config = existsSync(example) && process.env.MAILU_K8S_WARM_EXAMPLE !== 'embedded' ? ['--config', example] : [];
  process.argv.splice(2, Infinity, 'synth', '--out', join(scratch, 'out'), ...config);
  const script = runFast({});
  process.once('exit', (code) => {
    rmSync(scratch, { recursive: true, force: true });
    if (code === 0) {
      writeAtomically(file, script.createCachedData());
      // For scripts/build.mjs: the Node the shipped cache fits (chooseCache compares).
      if (process.env.MAILU_K8S_WARM_META) writeAtomically(`${file}.json`, JSON.stringify({ node: process.version, arch: process.arch }));
    }
    if (process.env.MAILU_K8S_WARM_LOCK) rmSync(process.env.MAILU_K8S_WARM_LOCK, { force: true });
  });
}

/** The cache to load (if any) and the user-cache file a fresh one belongs in (if any). */
function chooseCache() {
  if (process.env.MAILU_K8S_CODE_CACHE === 'off') return {};
  const meta = readJson(`${cjs}.cache.json`); // written by scripts/build.mjs with the shipped cache
  if (!meta) return {};
  const flags = flagsKey();
  const userFile = userCacheFile(meta.id, flags);
  if (userFile && existsSync(userFile)) return { data: readOptional(userFile), userFile };
  // The shipped cache where V8 may accept it: with other flags it still does when they are Node's
  // own (--enable-source-maps), and V8 says so; another Node or architecture always differs.
  const fits = meta.node === process.version && meta.arch === process.arch;
  return { data: fits ? readOptional(`${cjs}.cache`) : undefined, userFile };
}

/** The flags this process runs with: node's command line and NODE_OPTIONS. */
function userFlags() {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean)];
}

/** What V8's check of a cache depends on and we can see: our flags and the user's (heap sizes aside). */
function flagsKey() {
  return JSON.stringify([V8_FLAGS, userFlags().filter((f) => !HEAP_SIZE_FLAG.test(f))]);
}

/** <cache dir>/<bundle id>-<node>-<arch>-<hash of the flags>.cache */
function userCacheFile(bundleId, flags) {
  const dir = cacheDir();
  return dir && join(dir, `${bundleId}-${process.version}-${process.arch}-${fnv1a(flags)}.cache`);
}

/** $MAILU_K8S_CACHE_DIR, else mailu-k8s under $XDG_CACHE_HOME or ~/.cache: per user, never shared. */
function cacheDir() {
  if (process.env.MAILU_K8S_CACHE_DIR) return process.env.MAILU_K8S_CACHE_DIR;
  if (process.env.XDG_CACHE_HOME) return join(process.env.XDG_CACHE_HOME, 'mailu-k8s');
  try {
    return join(process.env.HOME || require('node:os').homedir(), '.cache', 'mailu-k8s');
  } catch {
    return undefined; // no home directory: no user cache
  }
}

function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** The bundle's text. esbuild writes it as ASCII, which decodes much faster as Latin-1 than as UTF-8. */
function readSource(file) {
  const bytes = readFileSync(file);
  return require('node:buffer').isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

function readOptional(file) {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function writeAtomically(file, data) {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch {
    // Read-only or missing cache directory: the next run compiles again, nothing else changes.
  }
}
