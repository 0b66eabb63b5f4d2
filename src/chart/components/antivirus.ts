import { Construct } from 'constructs';
import { MailuWorkload, readiness, shellProbe } from '../workload.js';
import type { ComponentProps } from './base.js';

export type AntivirusProps = ComponentProps;

/** ClamAV (upstream image): clamd for rspamd, freshclam for signatures. */
export class Antivirus extends Construct {
  readonly workload: MailuWorkload;
  constructor(scope: Construct, id: string, props: AntivirusProps) {
    super(scope, id);
    const alive = shellProbe('kill -0 "$(cat /tmp/clamd.pid)" && kill -0 "$(cat /tmp/freshclam.pid)"');
    this.workload = new MailuWorkload(this, 'workload', {
      ...props,
      sharedEnv: false,
      data: [{ subPath: 'clamav', mountPath: '/var/lib/clamav' }],
      // The first start downloads the signature database (hundreds of MB): allow 10 minutes.
      startupProbe: { tcpSocket: { port: 3310 }, periodSeconds: 10, failureThreshold: 60 },
      livenessProbe: alive,
      readinessProbe: readiness({ tcpSocket: { port: 3310 } }),
    });
  }
}
