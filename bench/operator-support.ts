// What the operator benchmarks share: the operator bundled as the image runs it, the config they
// give it, and small figures helpers.
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { stringify } from 'yaml';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const mib = (kb: number) => (kb / 1024).toFixed(1);

/** The p-th percentile of an ascending list (NaN when empty). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

/**
 * An operator entry (TypeScript lines, imports relative to the repository) bundled the way
 * scripts/build.mjs bundles the image's: one minified ES module, `external` left to node_modules.
 */
export async function bundleOperatorEntry(opts: { root: string; out: string; lines: string[]; external: string[] }): Promise<string> {
  await build({
    stdin: { contents: opts.lines.join('\n'), resolveDir: opts.root, loader: 'ts', sourcefile: 'operator-entry.ts' },
    outfile: opts.out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    minify: true,
    legalComments: 'none',
    external: opts.external,
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  return opts.out;
}

/** The benchmarks' Mailu config: example.com, smtp on `smtpNodes`, the operator with `operator` settings. */
export function writeOperatorConfig(path: string, opts: { namespace: string; smtpNodes: Record<string, string>; operator: Record<string, unknown> }): string {
  writeFileSync(
    path,
    stringify({
      domain: 'example.com',
      hostnames: ['mail.example.com'],
      namespace: opts.namespace,
      cluster: { podCidr: '10.42.0.0/16' },
      tls: { source: 'certManager', issuer: { name: 'letsencrypt' } },
      egress: { mode: 'nodeIps', nodeSelector: opts.smtpNodes },
      dns: { operator: { enabled: true, ...opts.operator } },
    }),
  );
  return path;
}
