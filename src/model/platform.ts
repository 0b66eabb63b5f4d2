// Facts about the cluster mailu-k8s deploys into that follow from `cluster.distribution`: how
// Traefik's values reach Traefik, and the distribution's traps worth a warning. The defaults a
// distribution fills in (pod CIDR, Traefik's namespace) are applied while parsing the config.
import type { MailuConfig } from '../config/schema.js';

/** Namespace and name of the HelmChart k3s installs its packaged Traefik from. */
export const K3S_TRAEFIK_CHART = { namespace: 'kube-system', name: 'traefik' } as const;

/**
 * How the Traefik values for the mail entry points are delivered: k3s's packaged Traefik (in
 * kube-system) is a HelmChart owned by k3s, configured only through a HelmChartConfig; any other
 * Traefik is a Helm release the user upgrades with a values file.
 */
export function traefikValuesDelivery(config: MailuConfig): 'helmChartConfig' | 'valuesFile' {
  const packaged = config.cluster.distribution === 'k3s' && config.cluster.traefikNamespace === K3S_TRAEFIK_CHART.namespace;
  return packaged ? 'helmChartConfig' : 'valuesFile';
}

/** Risky-but-valid choices that depend on the distribution. */
export function platformWarnings(config: MailuConfig): string[] {
  const warnings: string[] = [];
  const x = config.exposure;
  if (config.cluster.distribution === 'k3s' && x.mode === 'hostPort' && config.web.kind === 'none') {
    // ServiceLB's svclb-traefik pods hold host ports 80 and 443 on every node.
    warnings.push(
      "cluster.distribution k3s: k3s's packaged Traefik holds ports 80 and 443 on every node, so front's host ports 80/443 cannot bind; set web.kind: traefik (or ignore this if k3s runs with --disable traefik)",
    );
  }
  return warnings;
}
