// The toJson shortcut (src/chart/api.ts, plain-json.ts) gives exactly what cdk8s's own
// ApiObject.toJson() gives: the same keys in the same order, nulls dropped the same way. Checked
// on every object of the networking matrix and the full example, and on the cases it must leave
// to cdk8s (a Lazy, a class instance, a JSON patch, a custom resolver, CDK8S_DISABLE_SORT).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ApiObject, App, Chart, JsonPatch, Lazy, type IResolver, type ResolutionContext } from 'cdk8s';
import { emit, PlainApiObject } from '../../src/chart/api.js';
import { MailuChart } from '../../src/chart/mailu-chart.js';
import { NOT_PLAIN, plainCopy } from '../../src/chart/plain-json.js';
import { parseConfigYaml } from '../../src/validation/index.js';
import { matrix } from '../networking/fixtures.js';

/** cdk8s's own serialisation of the same object. */
const reference = (o: ApiObject): unknown => ApiObject.prototype.toJson.call(o);

function assertSameJson(o: ApiObject): void {
  const fast = o.toJson();
  const ref = reference(o);
  assert.deepEqual(fast, ref, o.node.path);
  assert.equal(JSON.stringify(fast), JSON.stringify(ref), `${o.node.path}: key order`);
}

const objectsOf = (chart: Chart) => chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);

describe('toJson shortcut = cdk8s toJson', () => {
  it('every object of every networking-matrix chart and the full example', () => {
    const full = parseConfigYaml(readFileSync(new URL('../../examples/full.yaml', import.meta.url), 'utf8')).config;
    const configs = [full, ...matrix().map((m) => m.config)];
    let n = 0;
    for (const config of configs) {
      const chart = new MailuChart(new App({ outdir: '.' }), 'mailu', { config });
      for (const o of objectsOf(chart)) {
        assert.ok(o instanceof PlainApiObject, `${o.node.path} is emitted through emit()`);
        assertSameJson(o);
        n++;
      }
    }
    assert.ok(n > 500, `checked ${n} objects`);
  });

  it('nulls, undefined, empty collections, unsorted keys and nested arrays', () => {
    const chart = new Chart(new App({ outdir: '.' }), 'c');
    const o = emit(chart, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', labels: {}, annotations: { b: '1', a: '2' } },
      zeta: { b: null, a: undefined, c: [null, undefined, 0, '', false, [], {}], d: {} },
      alpha: [[{ y: 1, x: 2 }], []],
      data: { '10': 'ten', '2': 'two', b: 'b', A: 'a' },
    });
    assertSameJson(o);
  });

  for (const [name, build] of Object.entries({
    'a Lazy value': (c: Chart) => emit(c, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'l' }, data: { v: Lazy.any({ produce: () => 'late' }) } }),
    'an object with its own resolve()': (c: Chart) => emit(c, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'r' }, data: { v: { resolve: () => 'token' } } }),
    'a number/string union instance': (c: Chart) => emit(c, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'u' }, data: { v: new (class Q { value = '5Gi'; })() } }),
  })) {
    it(`${name} goes through cdk8s`, () => {
      const chart = new Chart(new App({ outdir: '.' }), 'c');
      const o = build(chart);
      assertSameJson(o);
    });
  }

  it('a JSON patch and a custom resolver are honoured', () => {
    const upper: IResolver = { resolve: (ctx: ResolutionContext) => (typeof ctx.value === 'string' && ctx.value === 'shout' ? ctx.replaceValue('SHOUT') : undefined) };
    const chart = new Chart(new App({ outdir: '.', resolvers: [upper] }), 'c');
    const o = emit(chart, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p' }, data: { v: 'shout' } });
    assert.deepEqual((o.toJson() as { data: unknown }).data, { v: 'SHOUT' });
    const plainChart = new Chart(new App({ outdir: '.' }), 'd');
    const p = emit(plainChart, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p' }, data: { v: 'a' } });
    p.addJsonPatch(JsonPatch.add('/data/w', 'b'));
    assert.deepEqual((p.toJson() as { data: unknown }).data, { v: 'a', w: 'b' });
    assertSameJson(p);
  });

  it('CDK8S_DISABLE_SORT keeps the written key order, like cdk8s', () => {
    const before = process.env.CDK8S_DISABLE_SORT;
    process.env.CDK8S_DISABLE_SORT = '1';
    try {
      const chart = new Chart(new App({ outdir: '.' }), 'c');
      const o = emit(chart, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 's' }, data: { z: '1', a: '2' } });
      assertSameJson(o);
      assert.deepEqual(Object.keys((o.toJson() as { data: object }).data), ['z', 'a']);
    } finally {
      if (before === undefined) delete process.env.CDK8S_DISABLE_SORT;
      else process.env.CDK8S_DISABLE_SORT = before;
    }
  });

  it('plainCopy refuses what is not plain JSON', () => {
    for (const v of [new Date(0), new Map(), () => 1, Symbol('s'), 1n, Object.create(null), { constructor: 'x' }, { a: [new Set()] }]) {
      assert.equal(plainCopy(v, true), NOT_PLAIN, String(typeof v));
    }
  });
});
