import { Construct } from 'constructs';
import { MailuWorkload, shellProbe } from '../workload.js';
import type { ComponentProps } from './base.js';

export interface FetchmailProps extends ComponentProps {
  /** Fetchmail talks to remote servers from the same sender nodes as smtp. */
  nodeSelector?: Record<string, string>;
}

/** Fetchmail: pulls remote POP3/IMAP accounts configured in admin. Listens on nothing. */
export class Fetchmail extends Construct {
  readonly workload: MailuWorkload;
  constructor(scope: Construct, id: string, props: FetchmailProps) {
    super(scope, id);
    const probe = shellProbe('ps ax | grep -q "[/]fetchmail.py"');
    this.workload = new MailuWorkload(this, 'workload', {
      ...props,
      data: [{ subPath: 'fetchmail', mountPath: '/data' }],
      // Mailu's own health check allows 350 s for the first poll cycle to start.
      startupProbe: { ...probe, failureThreshold: 36 },
      livenessProbe: probe,
    });
  }
}
