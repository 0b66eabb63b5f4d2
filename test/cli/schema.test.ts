// The JSON Schema `mailu-k8s schema` prints for editors accepts what the parser accepts (partial
// blocks, natural spellings, the examples) and still flags unknown keys; defaults are shown.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { configJsonSchema } from '../../src/cli/schema.js';
import { parseConfig } from '../../src/validation/index.js';
import { BASE, REPO_ROOT } from '../support/chart-helpers.js';

const validate = new Ajv2020({ strict: false, allErrors: true }).compile(configJsonSchema());
const ok = (config: unknown) => {
  assert.equal(validate(config), true, JSON.stringify(validate.errors));
  parseConfig(config); // and the parser agrees
};

describe('editor JSON Schema', () => {
  it('accepts the full example and the base config', () => {
    ok(parse(readFileSync(`${REPO_ROOT}/examples/full.yaml`, 'utf8')));
    ok(BASE);
  });
  it('accepts partial blocks without their selector, as the parser does', () => {
    ok({ ...BASE, exposure: { ports: [25, 465, 587, 993] } });
    ok({ ...BASE, egress: { host: 'relay.example.net', port: 587 } });
  });
  it('flags unknown keys, wrong types and unknown selector values', () => {
    for (const bad of [{ ...BASE, exposure: { mode: 'hostPort', deamonSet: true } }, { ...BASE, exposure: { mode: 'nodePort' } }, { ...BASE, dns: { ttl: 'long' } }]) {
      assert.equal(validate(bad), false, JSON.stringify(bad));
    }
  });
  it('shows defaults, sizes included', () => {
    const s = configJsonSchema() as { properties: { mailu: { properties: Record<string, { default?: unknown }> } } };
    assert.equal(s.properties.mailu.properties.messageSizeLimit?.default, '50Mi');
  });
});
