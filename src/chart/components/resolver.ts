import { Construct } from 'constructs';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { objectLabels } from '../../model/labels.js';
import { emit, type Manifest } from '../api.js';
import { MailuWorkload, readiness, shellProbe } from '../workload.js';
import type { ComponentProps } from './base.js';

export interface ResolverProps extends ComponentProps {
  /** Fixed ClusterIP the other pods use as nameserver. */
  clusterIp: string;
  /** Cluster DNS, for names under the cluster domain (which are not DNSSEC-signed). */
  clusterDnsIp: string;
  clusterDomain: string;
  /** Networks allowed to query (the pod CIDRs). */
  allow: string[];
}

/**
 * The DNS root's trust anchors (KSK-2017 and KSK-2024) as DS records, IANA's published values.
 * They seed unbound's RFC 5011 anchor file, so validation works even where unbound-anchor
 * cannot refresh it; unbound then follows key rollovers itself.
 */
export const ROOT_TRUST_ANCHORS = [
  '. IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D',
  '. IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16',
];

/** Unbound configured as a DNSSEC-validating recursive resolver for Mailu's pods. */
export function unboundConfig(p: Pick<ResolverProps, 'clusterDnsIp' | 'clusterDomain' | 'allow'>): string {
  const lines = [
    'server:',
    '  interface: 0.0.0.0',
    ...(p.allow.some((c) => c.includes(':')) ? ['  interface: ::0'] : []),
    '  port: 53',
    '  do-daemonize: no',
    '  username: ""',
    '  chroot: ""',
    '  use-syslog: no',
    '  logfile: ""',
    '  verbosity: 1',
    '  access-control: 0.0.0.0/0 refuse',
    '  access-control: ::/0 refuse',
    '  access-control: 127.0.0.0/8 allow',
    ...p.allow.map((c) => `  access-control: ${c} allow`),
    // Validation is the point: admin refuses to start without the AD flag, postfix uses DANE.
    '  auto-trust-anchor-file: "/var/lib/unbound/root.key"',
    '  harden-dnssec-stripped: yes',
    '  qname-minimisation: yes',
    '  hide-identity: yes',
    '  hide-version: yes',
    '  prefetch: yes',
    `  domain-insecure: "${p.clusterDomain}"`,
    `  local-zone: "${p.clusterDomain}." transparent`,
    '',
    'forward-zone:',
    `  name: "${p.clusterDomain}."`,
    `  forward-addr: ${p.clusterDnsIp}`,
    '',
  ];
  return lines.join('\n');
}

export class Resolver extends Construct {
  readonly workload: MailuWorkload;
  constructor(scope: Construct, id: string, props: ResolverProps) {
    super(scope, id);
    const name = `${props.component.objectName}-config`;
    emit<ConfigMap & Manifest>(this, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: props.ctx.namespace, labels: objectLabels(props.ctx.instance, 'resolver') },
      data: { 'unbound.conf': unboundConfig(props), 'root.ds': `${ROOT_TRUST_ANCHORS.join('\n')}\n` },
    });
    // Answers for "localhost" come from unbound itself: a liveness check that needs no internet.
    const probe = shellProbe('dig @127.0.0.1 +time=2 +tries=1 +short localhost A | grep -q 127.0.0.1');
    this.workload = new MailuWorkload(this, 'workload', {
      ...props,
      sharedEnv: false,
      useResolver: false,
      // Seed the writable RFC 5011 anchor file with the root DS records, let unbound-anchor refresh
      // it when it can (its exit status only says whether it changed anything), then run.
      command: [
        '/bin/sh',
        '-c',
        'cp /etc/unbound-k8s/root.ds /var/lib/unbound/root.key && { unbound-anchor -a /var/lib/unbound/root.key || true; } && exec unbound -d -c /etc/unbound-k8s/unbound.conf',
      ],
      extraVolumes: [
        { name: 'config', configMap: { name } },
        { name: 'anchor', emptyDir: {} },
      ],
      extraMounts: [
        { name: 'config', mountPath: '/etc/unbound-k8s', readOnly: true },
        { name: 'anchor', mountPath: '/var/lib/unbound' },
      ],
      livenessProbe: probe,
      readinessProbe: readiness(probe),
      // Every Mailu pod's only nameserver: at least two replicas (the model's rule), so it rolls one
      // new pod ready before an old one goes, is spread over nodes and has a disruption budget
      // that lets a drain evict one at a time. DNS never stops for every Mailu pod at once.
      service: { clusterIP: props.clusterIp },
    });
  }
}
