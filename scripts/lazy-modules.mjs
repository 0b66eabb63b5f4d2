// esbuild plugin for the CLI's fast CommonJS bundle: dependencies' modules that a CLI run does not
// use are loaded when first used instead of at start-up. cdk8s's index loads every module, among
// them its own copy of the `yaml` library and child_process (for Helm and for fetching YAML by
// URL), which generating manifests in memory never touches: here `cdk8s`, imported from our
// sources, is a module whose exports are getters loading cdk8s's own module for that name on first
// read, and App's reference to cdk8s's YAML writer (app.synth(), unused by the CLI) is resolved
// when used. commander loads child_process for executable subcommands, which we do not have. The
// classes are the libraries' own; library users (lib/) import the packages themselves.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const sources = fileURLToPath(new URL('../src/', import.meta.url));
const lib = dirname(require.resolve('cdk8s'));

/** Every export of cdk8s's index, with the module of its own that defines it. */
function exportsByModule() {
  const index = readFileSync(join(lib, 'index.js'), 'utf8');
  const modules = [...index.matchAll(/__exportStar\(require\("\.\/([\w-]+)"\), exports\)/g)].map((m) => m[1]);
  if (modules.length === 0) throw new Error('cdk8s-lazy: cdk8s/lib/index.js no longer re-exports its modules as expected');
  const byName = new Map();
  for (const mod of modules) {
    for (const name of Object.keys(require(join(lib, `${mod}.js`)))) if (!byName.has(name)) byName.set(name, mod);
  }
  return byName;
}

function lazyIndex() {
  const lines = ['"use strict";'];
  for (const [name, mod] of exportsByModule()) {
    if (name === '__esModule') continue;
    lines.push(`Object.defineProperty(exports, ${JSON.stringify(name)}, { enumerable: true, get: () => require(${JSON.stringify(join(lib, `${mod}.js`))})[${JSON.stringify(name)}] });`);
  }
  return lines.join('\n');
}

// A line of a dependency, and its lazy equivalent. If a new release changes the line, the module
// is bundled as it is: correct, only slower to start.
const LAZY_LINES = [
  { file: /[\\/]cdk8s[\\/]lib[\\/]app\.js$/, line: 'const yaml_1 = require("./yaml");', lazy: 'const yaml_1 = { get Yaml() { return require("./yaml").Yaml; } };' },
  {
    file: /[\\/]commander[\\/]lib[\\/]command\.js$/,
    line: "const childProcess = require('node:child_process');",
    lazy: "const childProcess = { get spawn() { return require('node:child_process').spawn; } };",
  },
];

export const lazyModules = {
  name: 'lazy-modules',
  setup(build) {
    build.onResolve({ filter: /^cdk8s$/ }, (args) => (args.importer.startsWith(sources) ? { path: 'cdk8s', namespace: 'cdk8s-lazy' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'cdk8s-lazy' }, () => ({ contents: lazyIndex(), loader: 'js', resolveDir: lib }));
    for (const { file, line, lazy } of LAZY_LINES) {
      build.onLoad({ filter: file }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        return { contents: source.includes(line) ? source.replace(line, lazy) : source, loader: 'js' };
      });
    }
  },
};
