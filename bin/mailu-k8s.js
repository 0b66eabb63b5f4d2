#!/usr/bin/env node
'use strict';
// Start-up time is a product goal (npm run bench): `synth` should cost no more than `helm
// template`. This launcher is CommonJS (bin/package.json) because an ES module entry makes Node set
// up its ESM loader, a few milliseconds before any of our code runs.
//
// The generator commands run from one CommonJS bundle (lib/bundle/cli.cjs) through V8's code
// cache, so a run skips parsing and compiling most of its JavaScript. V8 accepts a cache only from
// the same V8 version and the same V8 flags. The cache shipped in the package was made by plain
// `node` of the version that built it; the V8 flags users commonly set (heap sizes, stack trace
// limit) are hidden from V8's check, below, so it still fits them. For another Node or other V8
// flags, the package's install script makes a cache for the Node and flags it is installed with
// (`npm rebuild mailu-k8s` makes one again after switching). A run never makes one: a run with no
// fitting cache compiles as usual and costs what a run without any cache costs, no more. A cache
// that cannot be read, written or used is skipped silently: it only ever costs speed, never a failure.
//
// The operator and the doctor need ESM-only network clients and load the ESM bundle.
const { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const bundleDir = join(__dirname, '..', 'lib', 'bundle');
const cjs = join(bundleDir, 'cli.cjs');
const FAST = new Set(['synth', 'validate', 'schema', 'dns']);
// A one-shot CLI finishes before TurboFan's optimised code would pay off, and waiting for its
// background jobs at exit cost more than they saved (npm run bench). Part of V8's flags, so every
// cache is made and used with it set.
const V8_FLAGS = '--no-opt';
// V8 flags V8 reads once, when it sets up the heap (sizes; NODE_OPTIONS=--max-old-space-size=4096 is
// common) or the context (Error.stackTraceLimit). Set to their defaults while V8 reads the cache and
// back to the user's values right after, the heap and stack traces stay as configured, and V8's
// flag check of the cache does not see them: the shipped cache fits, with no cache to make.
const SET_UP_ONCE = /^--(max[-_]old[-_]space[-_]size|(max|min)[-_]semi[-_]space[-_]size|initial[-_]old[-_]space[-_]size|(max|initial)[-_]heap[-_]size|stack[-_]trace[-_]limit)(=|$)/;
// V8's own flags among those NODE_OPTIONS admits (Node's documentation): any of them, apart from the
// ones above, makes V8 refuse a cache made without it, so the shipped one is not even read.
const V8_OPTIONS = new Set(['--abort-on-uncaught-exception', '--disallow-code-generation-from-strings', '--enable-etw-stack-walking',
  '--expose-gc', '--huge-max-old-generation-size', '--interpreted-frames-native-stack', '--jitless', '--perf-basic-prof',
  '--perf-basic-prof-only-functions', '--perf-prof', '--perf-prof-unwinding-info']);

const warmTarget = process.env.MAILU_K8S_WARM_CACHE;
if (warmTarget) {
  warm(warmTarget);
} else if (process.env.MAILU_K8S_INSTALL_CACHE) {
  installCache();
} else if (FAST.has(process.argv[2]) && existsSync(cjs)) {
  runFast(chooseCache());
} else {
  import('../lib/bundle/cli.js');
}

function runFast(cache) {
  const v8 = require('node:v8');
  const setUpOnce = userFlags().filter((f) => SET_UP_ONCE.test(f));
  v8.setFlagsFromString([V8_FLAGS, ...setUpOnce.map(neutral)].join(' '));
  const source = `(function (exports, require, module, __filename, __dirname) {${readSource(cjs)}\n})`;
  const vm = require('node:vm');
  const script = new vm.Script(source, { filename: cjs, ...(cache.data ? { cachedData: cache.data } : {}) });
  if (setUpOnce.length > 0) v8.setFlagsFromString(setUpOnce.join(' '));
  // A user cache V8 refuses (broken, or made by another build) would be read in vain by every run.
  if (cache.file && cache.data && script.cachedDataRejected) rmSync(cache.file, { force: true });
  // MAILU_K8S_CODE_CACHE=report: one line on stderr saying which cache served (for checks, not users).
  if (process.env.MAILU_K8S_CODE_CACHE === 'report') {
    const used = !cache.data ? 'none' : script.cachedDataRejected ? 'rejected' : cache.file ? `accepted ${cache.file}` : 'accepted shipped';
    process.once('exit', () => process.stderr.write(`code cache: ${used}\n`));
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require('node:module').createRequire(cjs), module, cjs, bundleDir);
  return { script, setUpOnce };
}

/** A set-up-once flag at its default, which V8 leaves out of a cache's flag check. */
function neutral(flag) {
  return /stack[-_]trace[-_]limit/.test(flag) ? '--stack-trace-limit=10' : `${flag.split('=')[0]}=0`;
}

/**
 * The package's install script: when the shipped cache does not fit this Node and these flags,
 * make one that does (a cache run in a process of its own, output discarded), in the package's
 * directory or, where that is read-only, in the user's cache directory. Never fails an install.
 */
function installCache() {
  try {
    const meta = readJson(`${cjs}.cache.json`);
    if (!meta || !existsSync(cjs) || shippedFits(meta)) return;
    const local = localCacheFile(meta.id);
    const file = writable(dirname(local)) ? local : userCacheFile(meta.id, flagsKey());
    if (!file || existsSync(file)) return;
    const env = { ...process.env, MAILU_K8S_WARM_CACHE: file };
    delete env.MAILU_K8S_INSTALL_CACHE;
    const make = (extra) => require('node:child_process').spawnSync(process.execPath, [...process.execArgv, __filename], { stdio: 'ignore', env: { ...env, ...extra }, timeout: 120_000 });
    // The built-in example when the shipped one does not synth (as scripts/build.mjs does).
    if (make({}).status !== 0 || !existsSync(file)) make({ MAILU_K8S_WARM_EXAMPLE: 'embedded' });
  } catch {
    // No cache: runs compile as they would without one.
  }
}

function writable(dir) {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
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
  const { script, setUpOnce } = runFast({});
  process.once('exit', (code) => {
    rmSync(scratch, { recursive: true, force: true });
    if (code === 0) {
      // The cache records the flags in force when it is made: those the runs will check it under.
      if (setUpOnce.length > 0) require('node:v8').setFlagsFromString(setUpOnce.map(neutral).join(' '));
      writeAtomically(file, script.createCachedData());
      // For scripts/build.mjs: the Node the shipped cache fits (chooseCache compares).
      if (process.env.MAILU_K8S_WARM_META) writeAtomically(`${file}.json`, JSON.stringify({ node: process.version, arch: process.arch }));
    }
  });
}

/** The cache to load (if any) and the file it came from when it is not the shipped one. */
function chooseCache() {
  if (process.env.MAILU_K8S_CODE_CACHE === 'off') return {};
  const meta = readJson(`${cjs}.cache.json`); // written by scripts/build.mjs with the shipped cache
  if (!meta) return {};
  if (shippedFits(meta)) return { data: readOptional(`${cjs}.cache`) };
  // Made by the install script for this Node and these flags, in the package or the user's cache.
  for (const file of [localCacheFile(meta.id), userCacheFile(meta.id, flagsKey())]) {
    const data = file && readOptional(file);
    if (data) return { data, file };
  }
  return {};
}

/**
 * Whether V8 will accept the shipped cache: same Node and architecture, and no V8 flag beyond the
 * set-up-once ones. Node's own flags (--enable-source-maps) do not enter V8's check.
 */
function shippedFits(meta) {
  if (meta.node !== process.version || meta.arch !== process.arch) return false;
  const flags = userFlags().filter((f) => f.startsWith('-') && !SET_UP_ONCE.test(f)).map((f) => f.split('=')[0].replace(/_/g, '-'));
  return !flags.some((f) => V8_OPTIONS.has(f) || !process.allowedNodeEnvironmentFlags.has(f));
}

/** The flags this process runs with: node's command line and NODE_OPTIONS. */
function userFlags() {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean)];
}

/** What V8's check of a cache depends on and we can see: our flags and the user's (set-up-once ones aside). */
function flagsKey() {
  return JSON.stringify([V8_FLAGS, userFlags().filter((f) => !SET_UP_ONCE.test(f))]);
}

/** lib/bundle/cli.cjs.<bundle id>-<node>-<arch>-<hash of the flags>.cache, beside the shipped one. */
function localCacheFile(bundleId) {
  return `${cjs}.${bundleId}-${process.version}-${process.arch}-${fnv1a(flagsKey())}.cache`;
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
