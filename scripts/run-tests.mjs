// Runs every test file with node's own test runner (Node 20 does not discover .ts files
// itself). Extra arguments are passed through, e.g. a file filter: npm test -- test/dns
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'support' ? [] : collect(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}
const filters = process.argv.slice(2);
const files = collect('test').sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=3', ...files], { stdio: 'inherit' });
process.exit(res.status ?? 1);
