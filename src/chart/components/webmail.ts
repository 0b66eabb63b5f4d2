import { Construct } from 'constructs';
import { MailuWorkload, readiness, shellProbe } from '../workload.js';
import type { ComponentProps } from './base.js';

export type WebmailProps = ComponentProps;

/** Roundcube or SnappyMail (one image; WEBMAIL selects). */
export class Webmail extends Construct {
  readonly workload: MailuWorkload;
  constructor(scope: Construct, id: string, props: WebmailProps) {
    super(scope, id);
    // /ping only answers localhost, so an httpGet probe from the kubelet cannot use it.
    const probe = shellProbe("curl -m3 -fsL -H 'User-Agent: health' -o /dev/null http://localhost/ping");
    this.workload = new MailuWorkload(this, 'workload', {
      ...props,
      data: [{ subPath: 'webmail', mountPath: '/data' }],
      startupProbe: { ...probe, failureThreshold: 30 },
      livenessProbe: probe,
      readinessProbe: readiness(probe),
    });
  }
}
