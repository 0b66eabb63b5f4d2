// esbuild plugin for the CLI's fast CommonJS bundle: `zod` imported from our sources resolves to
// src/validation/fast-schema.ts, which builds the config schema as light nodes and checks configs
// with zod's rules, handing anything unusual (and every error) to the real zod, which it loads
// only then. The library (lib/) and the ESM bundle keep zod itself.
import { fileURLToPath } from 'node:url';

const shim = fileURLToPath(new URL('../src/validation/fast-schema.ts', import.meta.url));
const sources = fileURLToPath(new URL('../src/', import.meta.url));

export const zodLite = {
  name: 'zod-lite',
  setup(build) {
    build.onResolve({ filter: /^zod$/ }, (args) => {
      if (args.importer === shim || !args.importer.startsWith(sources)) return undefined;
      return { path: shim };
    });
  },
};
