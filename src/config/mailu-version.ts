// The Mailu releases mailu-k8s renders for. Everything it decides (environment names, ports,
// health checks, start-up gates, file paths) was checked against Mailu 2024.06; another series
// renames or drops settings, so its tag is refused rather than deployed half-configured.
//
// Mailu numbers the patch releases of a series consecutively from 0 (each release tags the last
// patch number plus one), and also publishes the series name itself (`2024.06`) as a tag that
// moves with every patch release.

export const SUPPORTED_SERIES = '2024.06';
/** The newest 2024.06 patch release this version of mailu-k8s was checked against; the default. */
export const LATEST_SUPPORTED_PATCH = 57;
export const DEFAULT_MAILU_VERSION = `${SUPPORTED_SERIES}.${LATEST_SUPPORTED_PATCH}`;

const SUPPORTED_TEXT = `${SUPPORTED_SERIES}.0 to ${DEFAULT_MAILU_VERSION} (or ${SUPPORTED_SERIES}, which follows the newest)`;

export type VersionVerdict =
  | { kind: 'pinned'; patch: number }
  | { kind: 'floating' }
  | { kind: 'unsupported'; reason: string };

/** Classifies an image tag: a supported pinned release, the moving series tag, or something else (with why). */
export function classifyMailuVersion(tag: string): VersionVerdict {
  if (tag === SUPPORTED_SERIES) return { kind: 'floating' };
  const m = /^(\d{4})\.(\d{2})(?:\.(\d+))?$/.exec(tag);
  if (!m) {
    const hint = ['latest', 'master', 'main'].includes(tag) ? ' (a development or moving tag)' : '';
    return { kind: 'unsupported', reason: `"${tag}" is not a Mailu ${SUPPORTED_SERIES} release${hint}; supported: ${SUPPORTED_TEXT}` };
  }
  const series = `${m[1]}.${m[2]}`;
  if (series !== SUPPORTED_SERIES) {
    return {
      kind: 'unsupported',
      reason: `Mailu ${series} is another release series: mailu-k8s renders Mailu ${SUPPORTED_SERIES}'s settings; supported: ${SUPPORTED_TEXT}`,
    };
  }
  const patch = Number(m[3]);
  if (String(patch) !== m[3]) {
    return { kind: 'unsupported', reason: `"${tag}" is not how Mailu numbers releases (no leading zeros); supported: ${SUPPORTED_TEXT}` };
  }
  if (patch > LATEST_SUPPORTED_PATCH) {
    return {
      kind: 'unsupported',
      reason: `${tag} is newer than the releases this mailu-k8s was checked against; supported: ${SUPPORTED_TEXT}. Upgrade mailu-k8s, or set mailu.allowUntestedVersion: true to deploy it anyway`,
    };
  }
  return { kind: 'pinned', patch };
}
