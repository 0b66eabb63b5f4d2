// `mailu-k8s diagram` and `synth --diagram` through the built binary (the CommonJS fast path for
// synth, which loads elkjs from node_modules, and the ESM bundle for diagram): output equals the
// in-process rendering, topology.svg sits next to the manifests and in the output marker, bad
// input exits 2 and writes nothing.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { synthesize } from '../../src/chart/synth.js';
import { renderDiagram } from '../../src/diagram/index.js';
import { cli, ensureBuilt } from '../support/chart-helpers.js';
import { draw, modes } from './modes.js';

const dir = mkdtempSync(join(tmpdir(), 'mailu-k8s-diagram-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(() => ensureBuilt());

const mode = modes().find((m) => m.name === 'traefik × ciliumGateway')!;
const configFile = join(dir, 'mailu.yaml');
writeFileSync(configFile, stringify(mode.config));

describe('mailu-k8s diagram (built binary)', () => {
  it('writes the SVG of a config to --out, as the library renders it', async () => {
    const out = join(dir, 'diagram.svg');
    const r = cli(['diagram', '-c', configFile, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(out, 'utf8'), await renderDiagram(draw(mode.config).diagram, 'svg'));
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.diagram.svg')), [], 'no temporary file left');
  });

  it('prints Mermaid and DOT on stdout, warnings on stderr', async () => {
    for (const format of ['mermaid', 'dot'] as const) {
      const r = cli(['diagram', '-c', configFile, '--format', format]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, await renderDiagram(draw(mode.config).diagram, format));
      assert.match(r.stderr, /^warning: /m);
    }
  });

  it('draws the embedded example without --config', () => {
    const r = cli(['diagram', '-f', 'mermaid']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^flowchart LR\n/);
    assert.match(r.stdout, /example\.com/);
  });

  it('exits 2 on a bad format or an invalid config, writing nothing', () => {
    const out = join(dir, 'never.svg');
    assert.equal(cli(['diagram', '--format', 'png', '-o', out]).code, 2);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, stringify({ ...mode.config, exposure: { mode: 'loadBalancer', loadBalancer: { externalTrafficPolicy: 'Cluster' } } }));
    const r = cli(['diagram', '-c', bad, '-o', out]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: exposure\.loadBalancer\.externalTrafficPolicy: /m);
    assert.ok(!existsSync(out));
  });
});

describe('mailu-k8s synth --diagram (built binary)', () => {
  it('writes topology.svg next to the manifests and lists it in the output marker', async () => {
    const out = join(dir, 'out');
    const r = cli(['synth', '-c', configFile, '-o', out, '--diagram']);
    assert.equal(r.code, 0, r.stderr);
    const expected = synthesize(mode.config).files;
    const marker = readFileSync(join(out, '.mailu-k8s-output'), 'utf8').split('\n').filter(Boolean);
    assert.deepEqual(marker, [...Object.keys(expected), 'topology.svg'].sort());
    for (const [name, text] of Object.entries(expected)) assert.equal(readFileSync(join(out, name), 'utf8'), text, name);
    assert.equal(readFileSync(join(out, 'topology.svg'), 'utf8'), await renderDiagram(draw(mode.config).diagram, 'svg'));
  });

  it('without --diagram writes no topology.svg, and a later run replaces the one written before', () => {
    const out = join(dir, 'again');
    assert.equal(cli(['synth', '-c', configFile, '-o', out, '--diagram']).code, 0);
    assert.ok(existsSync(join(out, 'topology.svg')));
    assert.equal(cli(['synth', '-c', configFile, '-o', out]).code, 0);
    assert.ok(!existsSync(join(out, 'topology.svg')));
    assert.ok(!readFileSync(join(out, '.mailu-k8s-output'), 'utf8').includes('topology.svg'));
  });
});
