// Sizes and CPU amounts as people write them, turned into valid Kubernetes quantities. The one
// place in the project that understands sizes: the model converts with quantityToBytes.
//
// Spellings (README "Sizes"): Kubernetes' own suffixes keep their meaning (Ki Mi Gi Ti Pi Ei are
// powers of 1024; k M G T P E powers of 1000). With a B the case does not matter: MiB/mib/GiB are
// binary, MB/mb/GB/kB decimal exactly like Kubernetes' M/G/k. A bare number is refused: the Helm
// chart's message size is in megabytes, Kubernetes' in bytes, and no one means a 50-byte volume.
import { z } from 'zod';

const DECIMAL: Record<string, number> = { k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const Mi = 2 ** 20;
const Gi = 2 ** 30;
const Ti = 2 ** 40;

/** Exact multiplier of a Kubernetes suffix ('' = bytes). */
function factor(suffix: string): bigint {
  if (suffix in BINARY) return 2n ** BigInt(BINARY[suffix]!);
  if (suffix in DECIMAL) return 10n ** BigInt(DECIMAL[suffix]!);
  if (suffix === '') return 1n;
  throw new Error(`unknown quantity suffix ${suffix}`);
}

/** Bytes in `<digits>[.<digits>]` × suffix, exactly; a fraction of a byte rounds up, as in Kubernetes. */
function exactBytes(num: string, suffix: string): number {
  const [int = '0', frac = ''] = num.split('.');
  const scale = 10n ** BigInt(frac.length);
  const scaled = BigInt(`${int || '0'}${frac}`) * factor(suffix);
  return Number((scaled + scale - 1n) / scale);
}

/** Bytes of a Kubernetes quantity (as the size primitives output: digits and a byte suffix). */
export function quantityToBytes(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(q);
  if (!m) throw new Error(`cannot convert ${q} to bytes`);
  return exactBytes(m[1]!, m[2] ?? '');
}

/** 52428800 → "50Mi": the largest binary unit that divides evenly (for suggestions). */
export function bytesToQuantity(bytes: number): string {
  for (const [suffix, exp] of Object.entries(BINARY).reverse()) {
    const f = 2 ** exp;
    if (bytes >= f && bytes % f === 0) return `${bytes / f}${suffix}`;
  }
  return String(bytes);
}

export interface SizeKind {
  /** What the field holds, for messages ("a volume size"). */
  what: string;
  min: number;
  max: number;
  /** The unit a bare number most likely meant (the Helm chart's megabytes, gigabytes for disks). */
  bareUnit: 'Mi' | 'Gi';
}

/** The accepted range per kind (README "Sizes"): outside it, the value is a typo, not a choice. */
export const SIZE_KINDS = {
  memory: { what: 'a memory amount', min: 16 * Mi, max: Ti, bareUnit: 'Mi' },
  storage: { what: 'a volume size', min: 64 * Mi, max: 64 * Ti, bareUnit: 'Gi' },
  messageSize: { what: 'a message size', min: Mi, max: Gi, bareUnit: 'Mi' },
} as const satisfies Record<string, SizeKind>;

type Parsed = { value: string } | { error: string };

const UNIT_NAMES: Record<string, string> = { Mi: 'mebibytes, 1024²', Gi: 'gibibytes, 1024³' };
const SPELLINGS = 'Ki/Mi/Gi/Ti or KiB/MiB/GiB (×1024), k/M/G/T or kB/MB/GB (×1000)';

/** The Kubernetes suffix a written unit means, or why it is refused. */
function unitSuffix(unit: string, written: string): { suffix: string } | { error: string } {
  if (unit in DECIMAL || unit in BINARY) return { suffix: unit };
  if (unit === '' || unit === 'B' || unit === 'b') return { suffix: '' };
  if (unit === 'K') return { suffix: 'k' };
  const lower = unit.toLowerCase();
  const prefix = lower[0] === 'k' ? 'k' : lower[0]!.toUpperCase();
  if (/^[kmgtpe]ib?$/.test(lower)) return { suffix: `${prefix === 'k' ? 'K' : prefix}i` };
  if (/^[kmgtpe]b$/.test(lower)) return { suffix: prefix };
  const num = written.slice(0, written.length - unit.length).trim();
  if (unit === 'm') return { error: `"${written}" is ${num} thousandths of a byte (m means milli in Kubernetes); write "${num}Mi"` };
  if (/^[gtpe]$/.test(unit)) {
    const up = unit.toUpperCase();
    return { error: `"${written}": write "${num}${up}i" (×1024) or "${num}${up}" (×1000); a lower-case letter alone is ambiguous` };
  }
  return { error: `"${written}" is not a size; write e.g. "10Gi" (units: ${SPELLINGS})` };
}

function bareNumberError(n: string, kind: SizeKind): string {
  const inRange = (b: number) => b >= kind.min && b <= kind.max;
  const hints: string[] = [];
  if (inRange(exactBytes(n, kind.bareUnit))) hints.push(`"${n}${kind.bareUnit}" (${UNIT_NAMES[kind.bareUnit]})`);
  const bytes = Number(n);
  if (Number.isInteger(bytes) && inRange(bytes)) hints.push(`"${bytesToQuantity(bytes)}" if you meant bytes`);
  const write = hints.length > 0 ? hints.join(', or ') : `${kind.what} between ${bytesToQuantity(kind.min)} and ${bytesToQuantity(kind.max)}`;
  return `${n} is a bare number; write ${write}. Sizes need a unit: ${SPELLINGS}`;
}

/** Parses a size of the given kind into a Kubernetes quantity, or explains what to write. */
export function parseSize(input: string | number, kind: SizeKind): Parsed {
  const written = String(input).trim();
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*([A-Za-z]*)$/.exec(written);
  if (!m) return { error: `"${written}" is not a size; write e.g. "10Gi" (units: ${SPELLINGS})` };
  const num = m[1]!.startsWith('.') ? `0${m[1]}` : m[1]!;
  if (typeof input === 'number' || m[2] === '') return { error: bareNumberError(num, kind) };
  const unit = unitSuffix(m[2]!, written);
  if ('error' in unit) return unit;
  const bytes = exactBytes(num, unit.suffix);
  if (bytes < kind.min || bytes > kind.max) {
    return {
      error: `"${written}" is not a plausible ${kind.what.replace(/^an? /, '')}: it must be between ${bytesToQuantity(kind.min)} and ${bytesToQuantity(kind.max)}`,
    };
  }
  return { value: `${num}${unit.suffix}` };
}

/** Parses a CPU amount: cores ("1", "0.5", 2) or millicores ("500m"). A bare number is valid here. */
export function parseCpu(input: string | number): Parsed {
  const written = String(input).trim();
  const m = /^(\d+(?:\.\d+)?|\.\d+)(m?)$/.exec(written);
  if (!m) {
    const unit = /^[\d.]+\s*([A-Za-z]+)$/.exec(written)?.[1];
    if (unit === 'M') return { error: `"${written}" is ${written.slice(0, -1)} million cores; millicores are a lower-case m: "${written.slice(0, -1)}m"` };
    if (unit && /^[kKMGTPE]i?[bB]?$/.test(unit)) return { error: `"${written}" is a memory size; CPU is cores ("1", "0.5") or millicores ("500m")` };
    return { error: `"${written}" is not a CPU amount; write cores ("1", "0.5") or millicores ("500m")` };
  }
  const num = m[1]!.startsWith('.') ? `0${m[1]}` : m[1]!;
  const millis = Number(num) * (m[2] ? 1 : 1000);
  if (millis < 1) return { error: `"${written}" is below 1m, the smallest CPU amount Kubernetes allocates` };
  if (millis > 256_000) {
    const hint = !m[2] && Number.isInteger(Number(num)) ? `; did you mean "${num}m" (millicores)?` : '';
    return { error: `"${written}" is ${millis / 1000} cores, more than a node has${hint}` };
  }
  return { value: `${num}${m[2]}` };
}

function fromParser(parse: (v: string | number) => Parsed, expected: string) {
  return z.union([z.string(), z.number()], { error: `expected ${expected}` }).transform((v, ctx) => {
    const r = parse(v);
    if ('value' in r) return r.value;
    ctx.issues.push({ code: 'custom', message: r.error, input: v });
    return z.NEVER;
  });
}

/** Container memory (requests/limits), 16Mi..1Ti. */
export const memorySize = fromParser((v) => parseSize(v, SIZE_KINDS.memory), 'a memory amount such as "512Mi"');
/** A PersistentVolumeClaim size, 64Mi..64Ti. */
export const storageSize = fromParser((v) => parseSize(v, SIZE_KINDS.storage), 'a volume size such as "10Gi"');
/** Mailu's MESSAGE_SIZE_LIMIT, 1Mi..1Gi. */
export const messageSize = fromParser((v) => parseSize(v, SIZE_KINDS.messageSize), 'a message size such as "50Mi"');
/** Container CPU (requests/limits). */
export const cpuAmount = fromParser(parseCpu, 'a CPU amount such as "500m" or 1');
