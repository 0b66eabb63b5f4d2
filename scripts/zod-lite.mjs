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
      // The stand-in's own zod is a file of its own next to the bundle (ZOD_BUNDLE), read only
      // when needed: half a megabyte (zod with its locales) the fast path never reads.
      if (args.importer === shim) return { path: `./${ZOD_BUNDLE}`, external: true };
      if (!args.importer.startsWith(sources)) return undefined;
      return { path: shim };
    });
  },
};

/** zod for the stand-in, built by scripts/build.mjs next to the CommonJS bundle. */
export const ZOD_BUNDLE = 'zod.cjs';
