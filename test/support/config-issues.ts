// Shared look-ups for tests of refused configs: the issues a refused config produces, and the one at a path.
import assert from 'node:assert/strict';
import { ConfigError, type ConfigIssue } from '../../src/config/errors.js';
import { parseConfig } from '../../src/validation/index.js';

/** The issues of a refused config (fails the test when it is accepted or throws something else). */
export function issuesOf(fn: () => unknown): ConfigIssue[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `a ConfigError, not ${String(e)}`);
    return e.issues;
  }
  assert.fail('the config was accepted');
}

/** The message of the issue at `path` when `config` is parsed; fails when there is none. */
export function messageAt(config: unknown, path: string): string {
  const issues = issuesOf(() => parseConfig(config));
  const hit = issues.find((i) => i.path === path);
  assert.ok(hit, `an issue at ${path}; got ${JSON.stringify(issues)}`);
  return hit.message;
}
