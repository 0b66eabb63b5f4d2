import { Construct } from 'constructs';
import { MailuWorkload, readiness, shellProbe } from '../workload.js';
import type { ComponentProps } from './base.js';

export type OletoolsProps = ComponentProps;

/** olefy: Office macro analysis for rspamd. */
export class Oletools extends Construct {
  readonly workload: MailuWorkload;
  constructor(scope: Construct, id: string, props: OletoolsProps) {
    super(scope, id);
    const probe = shellProbe('echo PING | nc -q1 127.0.0.1 11343 | grep -q PONG');
    this.workload = new MailuWorkload(this, 'workload', {
      ...props,
      startupProbe: { ...probe, failureThreshold: 12 },
      livenessProbe: probe,
      readinessProbe: readiness(probe),
    });
  }
}
