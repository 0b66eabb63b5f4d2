import { Construct } from 'constructs';
import { MailuWorkload, readiness, shellProbe } from '../workload.js';
import type { ComponentProps } from './base.js';

export interface SmtpProps extends ComponentProps {
  /** Nodes allowed to send mail (their IPs are the ones in SPF). */
  nodeSelector?: Record<string, string>;
}

/** Postfix: inbound from front (XCLIENT), submission from front, outbound delivery. */
export class Smtp extends Construct {
  readonly workload: MailuWorkload;
  constructor(scope: Construct, id: string, props: SmtpProps) {
    super(scope, id);
    // `master -t` succeeds when no master runs, so the negation is "postfix is up".
    const probe = shellProbe('! /usr/libexec/postfix/master -t');
    this.workload = new MailuWorkload(this, 'workload', {
      ...props,
      data: [{ subPath: 'queue', mountPath: '/queue' }],
      startupProbe: { ...probe, failureThreshold: 30 },
      livenessProbe: probe,
      readinessProbe: readiness(probe),
      // Give queued deliveries a chance to finish before the pod goes.
      terminationGracePeriodSeconds: 60,
    });
  }
}
