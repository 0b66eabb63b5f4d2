// Import from the official Mailu Helm chart: a values object → a mailu-k8s config (input form)
// and a report of what became of every chart value. Pure: reading the file and writing the
// result are the CLI's. The config keeps the release's data where it is (storage.mode
// helmChart) and never holds a secret value.
import { ConfigError, type ConfigIssue } from '../config/errors.js';
import type { MailuConfigInput } from '../config/schema.js';
import { parseConfigWithWarnings } from '../validation/index.js';
import { type Draft, type ImportContext } from './context.js';
import { mapBackends } from './map-backends.js';
import { mapComponents } from './map-components.js';
import { mapIdentity } from './map-identity.js';
import { mapLimits } from './map-limits.js';
import { mapNetwork } from './map-network.js';
import { mapRest } from './map-rest.js';
import { mapSecrets, reportSecretValues } from './map-secrets.js';
import { mapStorage } from './map-storage.js';
import { Report } from './report.js';
import { badValue, chartFullname, HelmValues, isMap } from './values.js';

export { formatReport, Report, type ReportEntry, type Status } from './report.js';
export { importedConfigYaml } from './yaml.js';

export interface ImportOptions {
  /** The Helm release name (default mailu): the chart derives its object names from it. */
  release?: string;
  /** The release's namespace (default mailu): ours too. */
  namespace?: string;
}

export interface ImportResult {
  /** The config, valid, in the form a config file has. */
  config: MailuConfigInput;
  report: Report;
  /** Accepted but risky choices in the config (as `validate` prints them). */
  warnings: string[];
  release: string;
  namespace: string;
}

/** The import failed: refused values or an invalid result. The report says what happened to the rest. */
export class ImportError extends ConfigError {
  constructor(
    issues: ConfigIssue[],
    readonly report: Report,
  ) {
    super(issues);
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$/;

export function importHelmValues(values: unknown, opts: ImportOptions = {}): ImportResult {
  if (!isMap(values)) throw badValue('', 'the values file must be a map of the chart\'s values');
  const release = opts.release ?? 'mailu';
  const namespace = opts.namespace ?? 'mailu';
  if (!DNS_LABEL.test(release)) throw badValue('--release', `not a Helm release name (lower-case letters, digits, "-"): ${JSON.stringify(release)}`);
  if (!DNS_LABEL.test(namespace)) throw badValue('--namespace', `not a namespace name: ${JSON.stringify(namespace)}`);
  const v = new HelmValues(values);
  const ctx: ImportContext = { v, out: {}, report: new Report(), release, namespace, instance: 'mailu', fullname: chartFullname(v, release) };
  // Order matters where one step reads another's result: the relay (backends) before postfix's nodes (network).
  mapIdentity(ctx);
  mapLimits(ctx);
  mapSecrets(ctx);
  reportSecretValues(ctx);
  mapBackends(ctx);
  mapStorage(ctx);
  mapNetwork(ctx);
  mapComponents(ctx);
  mapRest(ctx);
  for (const e of ctx.report.entries) if (!e.chart.some((p) => v.has(p))) e.implied = true;
  if (ctx.report.refusals.length > 0) throw new ImportError(ctx.report.refusals, ctx.report);
  const config = ctx.out as MailuConfigInput;
  return { config, report: ctx.report, warnings: validated(config, ctx), release, namespace };
}

/** The result must be a valid config; an invalid one names the chart value it came from. */
function validated(config: Draft, ctx: ImportContext): string[] {
  try {
    return parseConfigWithWarnings(config).warnings;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const issues = e.issues.map((i) => {
      const from = ctx.report.entries.filter((x) => x.to.some((t) => i.path === t || i.path.startsWith(`${t}.`) || i.path.startsWith(`${t}[`) || t.startsWith(`${i.path}.`)));
      const chart = [...new Set(from.flatMap((x) => x.chart))];
      return chart.length > 0 ? { path: chart.join(', '), message: `${i.message} (as ${i.path})` } : i;
    });
    throw new ImportError(issues, ctx.report);
  }
}
