// Usage mistakes are bad input too: exit 2 with commander's message, help and version exit 0.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { cli, ensureBuilt } from '../support/chart-helpers.js';

before(() => ensureBuilt());

describe('command-line usage', () => {
  const bad: [string[], RegExp][] = [
    [['validate'], /required option '-c, --config <file>' not specified/],
    [['synth', '--bogus'], /unknown option '--bogus'/],
    [['dns', 'plan', '--format', 'xml'], /Allowed choices are zone, json, table/],
    [['nosuch'], /unknown command 'nosuch'/],
    [['operator'], /required option '-c, --config <file>' not specified/],
  ];
  for (const [args, message] of bad) {
    it(`${args.join(' ')} → exit 2`, () => {
      const r = cli(args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
    });
  }
  it('--help and --version exit 0', () => {
    assert.equal(cli(['--help']).code, 0);
    const v = cli(['--version']);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^\d+\.\d+\.\d+/);
  });
});
