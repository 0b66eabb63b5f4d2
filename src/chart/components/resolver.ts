import { Construct } from 'constructs';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { objectLabels } from '../../model/labels.js';
import { emit, type Manifest } from '../api.js';
import { MailuWorkload, shellProbe } from '../workload.js';
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
      data: { 'unbound.conf': unboundConfig(props) },
    });
    // Answers for "localhost" come from unbound itself: a liveness check that needs no internet.
    const probe = shellProbe('dig @127.0.0.1 +time=2 +tries=1 +short localhost A | grep -q 127.0.0.1');
    this.workload = new MailuWorkload(this, 'workload', {
      ...props,
      sharedEnv: false,
      useResolver: false,
      // Bootstrap the root trust anchor (RFC 5011) into a writable dir, then run in the foreground.
      command: ['/bin/sh', '-c', 'unbound-anchor -a /var/lib/unbound/root.key; exec unbound -d -c /etc/unbound-k8s/unbound.conf'],
      extraVolumes: [
        { name: 'config', configMap: { name } },
        { name: 'anchor', emptyDir: {} },
      ],
      extraMounts: [
        { name: 'config', mountPath: '/etc/unbound-k8s', readOnly: true },
        { name: 'anchor', mountPath: '/var/lib/unbound' },
      ],
      livenessProbe: probe,
      readinessProbe: { ...probe, failureThreshold: 1 },
      service: { clusterIP: props.clusterIp },
    });
  }
}
