// Full validation of a config: the schema (src/config), the cross-field and security invariants
// (src/model) and the DNS limits receivers enforce (src/dns). It sits above those layers so that
// config/ never reaches up; the chart, the CLI, the operator and the doctor validate through here.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/errors.js';
import { parseSchema, readConfigFile, readConfigYaml, wantsText } from '../config/load.js';
import type { MailuConfig } from '../config/schema.js';
import { checkDnsPlan } from '../dns/plan.js';
import { checkConfig } from '../model/invariants.js';
import { difference } from './difference.js';
import { fastYaml } from './fast-yaml.js';

export interface ParsedConfig {
  config: MailuConfig;
  /** Accepted but risky choices; the CLI prints them on stderr. */
  warnings: string[];
}

// Validation is pure, so a config object (raw or already parsed) is validated once per process
// even when several layers (CLI, chart, DNS plan) ask for it.
const parsedCache = new WeakMap<object, ParsedConfig>();

/** Validates a config object (from YAML or TypeScript). Throws ConfigError listing every problem. */
export function parseConfigWithWarnings(raw: unknown): ParsedConfig {
  const cached = raw !== null && typeof raw === 'object' ? parsedCache.get(raw) : undefined;
  if (cached) return cached;
  const result = validate(raw);
  if (raw !== null && typeof raw === 'object') parsedCache.set(raw, result);
  parsedCache.set(result.config, result);
  return result;
}

function validate(raw: unknown): ParsedConfig {
  const config = parseSchema(raw);
  const { errors, warnings } = checkConfig(config);
  // The DNS limits (SPF lookups and size) are part of validity: a record receivers reject is an
  // error. Its warnings join the config's, so every command prints the same set, each once.
  if (errors.length === 0) {
    const dns = checkDnsPlan(config);
    errors.push(...dns.issues);
    warnings.push(...dns.warnings);
  }
  if (errors.length > 0) throw new ConfigError(errors);
  return { config, warnings: [...new Set(warnings)] };
}

export function parseConfig(raw: unknown): MailuConfig {
  return parseConfigWithWarnings(raw).config;
}

export function parseConfigYaml(text: string, source = 'config'): ParsedConfig {
  return parseConfigWithWarnings(readYaml(text, source));
}

export function loadConfigFile(path: string): ParsedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return parseConfigWithWarnings(readConfigFile(path)); // its error says why
  }
  return parseConfigWithWarnings(readYaml(text, path));
}

/**
 * YAML text → the raw config: the fast reader (fast-yaml.ts) when it reads the file exactly, else
 * the `yaml` library, whose errors are the ones reported. Either way a number or boolean typed
 * where the schema wants text keeps its digits as typed (readConfigYaml does the same).
 * MAILU_K8S_VALIDATION=full always uses `yaml`; =compare (tests) checks both agree.
 */
function readYaml(text: string, source: string): unknown {
  const mode = process.env.MAILU_K8S_VALIDATION;
  const fast = mode === 'full' ? undefined : fastYaml(text);
  if (!fast) return readConfigYaml(text, source);
  for (const t of fast.typed) if (wantsText(t.path, fast.value)) setAt(fast.value, t.path, t.source);
  if (mode === 'compare') {
    const why = difference(fast.value, readConfigYaml(text, source));
    if (why !== undefined) throw new Error(`fast YAML reader differs from yaml (${why}) for ${JSON.stringify(text)}`);
  }
  return fast.value;
}

function setAt(raw: Record<string, unknown>, path: readonly (string | number)[], value: unknown): void {
  let cur: unknown = raw;
  for (const seg of path.slice(0, -1)) cur = (cur as Record<string | number, unknown>)[seg];
  (cur as Record<string | number, unknown>)[path[path.length - 1]!] = value;
}
