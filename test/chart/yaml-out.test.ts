import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { synthesize } from '../../src/chart/synth.js';
import { toYamlDocument } from '../../src/chart/yaml-out.js';
import { exampleConfig } from '../../src/config/example.js';
import { parseConfigYaml } from '../../src/validation/index.js';
import { readFileSync } from 'node:fs';

// Every reader Kubernetes users meet: YAML 1.1 (the API server's and kubectl's parser) and 1.2.
function roundTrips(value: Record<string, unknown>) {
  const text = toYamlDocument(value);
  for (const version of ['1.1', '1.2'] as const) {
    assert.deepEqual(parse(text, { version }), value, `YAML ${version} reads back what was written:\n${text}`);
  }
  return text;
}

describe('manifest YAML emitter', () => {
  test('strings that YAML 1.1 would read as booleans, nulls or numbers stay strings', () => {
    const tricky = ['yes', 'No', 'on', 'OFF', 'y', 'n', 'true', 'null', '~', '', '12:30', '0x1f', '010', '1e3', '.5', '-1', '+1',
      '10.42.0.0/16', 'HostSNI(`*`)', "it's", 'a: b', '# not a comment', '- item', '@x', '*alias', '&anchor', '!tag', '%dir',
      '{}', '[]', '"q"', 'trailing ', ' leading', 'tab\there', 'ünïcödé', 'line1\nline2', 'ends\n', 'two\n\n', '\nstarts', ' indented\nx'];
    const text = roundTrips({ data: Object.fromEntries(tricky.map((s, i) => [`k${i}`, s])) });
    assert.match(text, /k0: "yes"/);
  });

  test('nested maps and lists, empty collections, numbers and booleans', () => {
    roundTrips({ a: [{ b: [1, 2, { c: [] }], d: {} }, [], 'x', [['deep']]], e: true, f: 0, g: -3.5, h: null, 'weird key': 1, '25': 'x' });
  });

  test('multi-line text is written as a literal block (readable config files)', () => {
    const text = roundTrips({ data: { 'unbound.conf': 'server:\n  port: 53\n\nforward-zone:\n  name: "x."\n' } });
    assert.match(text, /unbound\.conf: \|\n {4}server:\n {6}port: 53\n\n {4}forward-zone:/);
  });

  test('every object of the embedded and the full example round-trips', () => {
    const full = parseConfigYaml(readFileSync('examples/full.yaml', 'utf8')).config;
    for (const cfg of [exampleConfig, full]) {
      const r = synthesize(cfg);
      for (const o of r.objects) roundTrips(o);
      const docs = parseAllDocuments(r.files['mailu.k8s.yaml']!, { version: '1.1' });
      assert.deepEqual(docs.map((d) => d.toJS()), r.objects);
    }
  });
});
