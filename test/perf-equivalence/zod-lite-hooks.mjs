// Preloaded (node --import) after tsx: our sources get the CLI bundle's zod stand-in
// (src/validation/fast-schema.ts) instead of zod, as scripts/zod-lite.mjs arranges in the bundle.
// At exit, how many parses each path answered is appended to $ZOD_LITE_COUNTS (a line per process).
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';

register('./zod-lite-resolve.mjs', import.meta.url);

const counts = process.env.ZOD_LITE_COUNTS;
if (counts) {
  const { pathCounts } = await import('../../src/validation/fast-schema.ts');
  process.on('exit', () => appendFileSync(counts, `${JSON.stringify(pathCounts)}\n`));
}
