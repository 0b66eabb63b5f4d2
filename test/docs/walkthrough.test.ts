// Every command in docs/walkthrough.md and docs/operations.md, exercised where it can run here:
// - every shell block parses (bash -n);
// - every `npx mailu-k8s …` runs through the built binary, in the docs' order, against the docs'
//   own example config (validate, dns plan, synth, diff exit 0; doctor passes against a loopback
//   DNS server serving exactly the records the plan asks for);
// - `kubectl create …` runs with --dry-run=client (offline);
// - files the docs apply or pass to helm exist and parse, the objects they name (deployments,
//   the certificate, the Velero schedule) are in the synth output, and external-dns's values
//   manage every record type the plan publishes.
// Commands that need a cluster, a cloud or the internet are checked for syntax only.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse, parseAllDocuments } from 'yaml';
import { configJsonSchema } from '../../src/cli/schema.js';
import { planDns } from '../../src/dns/plan.js';
import { loadConfigFile } from '../../src/validation/index.js';
import { zonesFromPlan } from '../doctor/fixtures.js';
import { BIN, ensureBuilt, REPO_ROOT } from '../support/chart-helpers.js';
import { startDnsServer } from '../support/dns-server.js';

const DOCS = ['docs/walkthrough.md', 'docs/operations.md'];
const CONFIG = 'examples/k3s-walkthrough.yaml';

interface Block {
  doc: string;
  text: string;
}

/** Fenced sh blocks, in document order. */
function shellBlocks(doc: string): Block[] {
  const md = readFileSync(join(REPO_ROOT, doc), 'utf8');
  return [...md.matchAll(/^( *)```(?:sh|bash)\n([\s\S]*?)^\1```$/gm)].map((m) => ({
    doc,
    text: m[2]!.split('\n').map((l) => l.slice(m[1]!.length)).join('\n'),
  }));
}

/** Command lines of a block: continuations joined, comments and blanks dropped. */
function commands(block: Block): string[] {
  return block.text
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Commands written inline (tables, prose): `npx mailu-k8s …`, `kubectl …`, `velero …`. */
function inlineCommands(doc: string, tool = 'npx mailu-k8s|kubectl|velero'): string[] {
  const md = readFileSync(join(REPO_ROOT, doc), 'utf8');
  return [...md.matchAll(new RegExp(`\`((?:${tool}) [^\`]+)\``, 'g'))].map((m) => m[1]!);
}

const blocks = DOCS.flatMap(shellBlocks);
const allLines = blocks.flatMap(commands);
const mailuLines = [...new Set([...allLines.filter((l) => l.startsWith('npx mailu-k8s ')), ...DOCS.flatMap((d) => inlineCommands(d, 'npx mailu-k8s'))])];
/** Every command line, in blocks or inline. */
const everyLine = [...allLines, ...DOCS.flatMap((d) => inlineCommands(d))];

const work = mkdtempSync(join(tmpdir(), 'mailu-k8s-docs-'));
after(() => rmSync(work, { recursive: true, force: true }));

before(() => {
  ensureBuilt();
  cpSync(join(REPO_ROOT, 'examples'), join(work, 'examples'), { recursive: true });
  // `npx mailu-k8s` runs the built binary, exactly as the docs write it.
  mkdirSync(join(work, 'bin'));
  writeFileSync(join(work, 'bin', 'npx'), `#!/bin/sh\n[ "$1" = mailu-k8s ] || { echo "npx: only mailu-k8s here" >&2; exit 127; }\nshift\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(work, 'bin', 'npx'), 0o755);
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a line without blocking the event loop (the loopback DNS server answers in this process). */
function shAsync(line: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', line], { cwd: work, env: { ...process.env, PATH: `${join(work, 'bin')}:${process.env.PATH ?? ''}` }, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function sh(line: string): Run {
  const r = spawnSync('bash', ['-c', line], {
    cwd: work,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, PATH: `${join(work, 'bin')}:${process.env.PATH ?? ''}` },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Objects synth wrote to dist/ (after the walkthrough's synth ran). */
function distObjects(): Record<string, unknown>[] {
  const dir = join(work, 'dist');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Record<string, unknown>));
}
const named = (objs: Record<string, unknown>[], kind: string) => objs.filter((o) => o.kind === kind).map((o) => (o.metadata as { name: string }).name);

describe('docs: commands', () => {
  it('the docs have shell blocks and mailu-k8s commands to check', () => {
    assert.ok(blocks.length >= 10, `${blocks.length} blocks`);
    for (const sub of ['validate', 'dns plan', 'synth', 'diff', 'doctor']) {
      assert.ok(mailuLines.some((l) => l.startsWith(`npx mailu-k8s ${sub}`)), `a ${sub} command`);
    }
  });

  it('every shell block and inline command parses (bash -n)', () => {
    for (const b of [...blocks, ...DOCS.flatMap((doc) => inlineCommands(doc).map((text) => ({ doc, text })))]) {
      const r = spawnSync('bash', ['-n'], { input: b.text, encoding: 'utf8' });
      assert.equal(r.status, 0, `${b.doc}:\n${b.text}\n${r.stderr}`);
    }
  });

  it('every mailu-k8s command runs against the example config, in the docs\' order', async (t) => {
    const config = loadConfigFile(join(REPO_ROOT, CONFIG)).config;
    const dns = await startDnsServer({ zones: zonesFromPlan(planDns(config)) });
    try {
      for (const line of mailuLines) await runMailu(t, line, dns.server);
    } finally {
      await dns.close();
    }
    assert.ok(existsSync(join(work, 'dist', 'kustomization.yaml')), 'synth wrote dist/');
  });

  it('kubectl create commands run offline with --dry-run=client', (t) => {
    if (spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status !== 0) {
      t.skip('kubectl not installed: the kubectl create commands were not run');
      return;
    }
    const creates = allLines.filter((l) => /^kubectl (-n \S+ )?create /.test(l));
    assert.ok(creates.length >= 5, creates.join('\n'));
    for (const line of creates) {
      const r = sh(`${line} --dry-run=client -o yaml`);
      assert.equal(r.code, 0, `${line}\n${r.stderr}`);
      assert.match(r.stdout, /^kind: (Secret|Namespace)$/m, line);
    }
  });
});

async function runMailu(t: TestContext, line: string, resolver: string): Promise<void> {
  if (/\bdoctor\b/.test(line) && /--smtp\b/.test(line)) {
    await t.test(line, (st) => st.skip('needs a live mail server on the internet: the SMTP probe was not run'));
    return;
  }
  const full = /\bdoctor\b/.test(line) ? `${line} --resolver ${resolver} --timeout 1000` : line;
  const r = await shAsync(full);
  assert.equal(r.code, 0, `${full}\nexit ${r.code}\n${r.stdout}\n${r.stderr}`);
  if (/\bdoctor\b/.test(line)) assert.doesNotMatch(r.stdout, /^(FAIL|WARN)/m, r.stdout);
  if (/\bdiff\b/.test(line)) assert.match(r.stdout, /^0 added, 0 removed, 0 changed, \d+ unchanged$/m);
  const redirect = /> (\S+)$/.exec(line);
  if (redirect) assert.ok(readFileSync(join(work, redirect[1]!), 'utf8').includes('$ORIGIN example.com.'), `${redirect[1]} is a zone file`);
}

describe('docs: files and names', () => {
  it('the example config passes the editor JSON Schema its first line points at', () => {
    const text = readFileSync(join(REPO_ROOT, CONFIG), 'utf8');
    assert.match(text, /^# yaml-language-server: \$schema=\.\.\/mailu-k8s\.schema\.json$/m);
    const validate = new Ajv2020({ strict: false, allErrors: true }).compile(configJsonSchema());
    assert.equal(validate(parse(text)), true, JSON.stringify(validate.errors));
    assert.equal(validate({ ...(parse(text) as object), backup: { schedule: '0 3 * * *', bogus: 1 } }), false, 'and it does check the backup block');
  });

  it('files the docs apply, build or pass to helm exist and parse', () => {
    const paths = allLines.flatMap((l) => [...l.matchAll(/ (?:-f|-k) (\S+)/g)].map((m) => m[1]!)).filter((p) => !p.startsWith('http'));
    assert.ok(paths.includes('examples/walkthrough/cluster-issuer.yaml') && paths.includes('dist'), paths.join(', '));
    for (const p of paths) {
      assert.ok(existsSync(join(work, p)), `${p} exists (synth ran before)`);
      if (p.endsWith('.yaml')) assert.doesNotThrow(() => parseAllDocuments(readFileSync(join(work, p), 'utf8')), p);
    }
  });

  it('the objects the docs name exist in the output: deployments, the certificate, the Velero schedule', () => {
    const objs = distObjects();
    const refs = everyLine.filter((l) => / -n mailu /.test(l)).flatMap((l) => [...l.matchAll(/\b(deployment|deploy|certificate)\/([a-z0-9-]+)/g)].map((m) => [m[1]!, m[2]!] as const));
    assert.ok(refs.length >= 5);
    for (const [kind, name] of refs) {
      const k = kind === 'certificate' ? 'Certificate' : 'Deployment';
      assert.ok(named(objs, k).includes(name), `${kind}/${name} in ${named(objs, k).join(', ')}`);
    }
    const schedules = everyLine.flatMap((l) => [...l.matchAll(/--from-schedule (\S+)/g)].map((m) => m[1]!));
    assert.ok(schedules.length >= 2);
    for (const s of schedules) assert.deepEqual(named(objs, 'Schedule'), [s]);
  });

  it('external-dns is told to manage every record type the plan publishes; Cilium takes k3s\'s pod ranges', () => {
    const values = parse(readFileSync(join(REPO_ROOT, 'examples/walkthrough/external-dns-values.yaml'), 'utf8')) as { extraArgs: string[]; sources: string[]; domainFilters: string[] };
    const managed = values.extraArgs.filter((a) => a.startsWith('--managed-record-types=')).map((a) => a.split('=')[1]);
    const plan = planDns(loadConfigFile(join(REPO_ROOT, CONFIG)).config);
    const published = [...new Set(plan.records.filter((r) => r.source === 'static' && r.type !== 'PTR').map((r) => r.type))];
    for (const type of published) assert.ok(managed.includes(type), `${type} in --managed-record-types`);
    assert.deepEqual(values.sources, ['crd']);
    assert.deepEqual(values.domainFilters, [plan.domain]);
    const cilium = parse(readFileSync(join(REPO_ROOT, 'examples/walkthrough/cilium-values.yaml'), 'utf8')) as { ipam: { mode: string }; egressGateway: { enabled: boolean }; bpf: { masquerade: boolean } };
    assert.equal(cilium.ipam.mode, 'kubernetes', 'pods get k3s\'s 10.42.0.0/16, what cluster.distribution k3s assumes');
    assert.ok(cilium.egressGateway.enabled && cilium.bpf.masquerade);
    const issuer = parse(readFileSync(join(REPO_ROOT, 'examples/walkthrough/cluster-issuer.yaml'), 'utf8')) as { kind: string; metadata: { name: string } };
    const config = loadConfigFile(join(REPO_ROOT, CONFIG)).config;
    assert.equal(issuer.kind, 'ClusterIssuer');
    assert.equal(config.tls.source === 'certManager' ? config.tls.issuer.name : undefined, issuer.metadata.name);
  });
});
