// The files a container finds under a directory, built from the synthesized objects the way the
// kubelet builds ConfigMap volumes: a configMap volume (all keys, or its items), a projected volume
// (its configMap sources in order; a later source's key replaces an earlier one's), or a single key
// mounted with subPath. ConfigMaps that are not in the output (the user's own) come from `user`.
import type { ConfigMap, ConfigMapProjection, PodSpec, Volume } from 'kubernetes-types/core/v1.js';
import type { Rendered } from '../chart-helpers.js';

function configMapFiles(r: Rendered, name: string, user: Record<string, Record<string, string>>, items?: { key: string; path: string }[]): Record<string, string> {
  const cm = r.find('ConfigMap', name) as unknown as ConfigMap | undefined;
  const data = cm?.data ?? user[name];
  if (!data) throw new Error(`ConfigMap ${name} is neither in the output nor given as the user's`);
  if (!items) return { ...data };
  return Object.fromEntries(items.map((i) => [i.path, data[i.key]!]));
}

function volumeFiles(r: Rendered, v: Volume, user: Record<string, Record<string, string>>): Record<string, string> {
  if (v.configMap) return configMapFiles(r, v.configMap.name!, user, v.configMap.items);
  if (v.projected) {
    const out: Record<string, string> = {};
    for (const s of v.projected.sources ?? []) {
      const cm = (s as { configMap?: ConfigMapProjection }).configMap;
      if (!cm) throw new Error(`projected volume ${v.name}: only configMap sources are modelled`);
      Object.assign(out, configMapFiles(r, cm.name!, user, cm.items));
    }
    return out;
  }
  throw new Error(`volume ${v.name} is not a ConfigMap volume`);
}

/**
 * Container path → content for every ConfigMap-backed file mounted at or below `dir` in a
 * component's (first) container.
 */
export function mountedFiles(r: Rendered, component: string, dir: string, user: Record<string, Record<string, string>> = {}): Record<string, string> {
  const spec: PodSpec = r.podSpec(component);
  const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
  const out: Record<string, string> = {};
  for (const m of spec.containers[0]!.volumeMounts ?? []) {
    if (m.mountPath !== dir && !m.mountPath.startsWith(`${dir}/`)) continue;
    const v = volumes.get(m.name)!;
    if (!v.configMap && !v.projected) continue;
    const files = volumeFiles(r, v, user);
    if (m.subPath) out[m.mountPath] = files[m.subPath]!;
    else for (const [name, content] of Object.entries(files)) out[`${m.mountPath}/${name}`] = content;
  }
  return out;
}
