// Release workflow only: records the operator image digest the workflow just pushed in
// src/chart/operator-image.ts, before the npm package is built, so the published package knows
// its default dns.operator.image exists (and synth stops saying how to build it).
//   node scripts/release-image.mjs sha256:<64 hex digits>
import { readFileSync, writeFileSync } from 'node:fs';

const digest = process.argv[2] ?? '';
if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
  console.error(`usage: node scripts/release-image.mjs sha256:<64 hex digits> (got ${JSON.stringify(digest)})`);
  process.exit(2);
}
const file = new URL('../src/chart/operator-image.ts', import.meta.url);
const unset = 'export const PUBLISHED_OPERATOR_IMAGE_DIGEST: string | undefined = undefined;';
const source = readFileSync(file, 'utf8');
if (!source.includes(unset)) {
  console.error(`${file.pathname}: no unset PUBLISHED_OPERATOR_IMAGE_DIGEST to fill in`);
  process.exit(1);
}
writeFileSync(file, source.replace(unset, `export const PUBLISHED_OPERATOR_IMAGE_DIGEST: string | undefined = '${digest}';`));
console.log(`operator image digest recorded: ${digest}`);
