import { Construct } from 'constructs';
import { MailuWorkload, readiness, shellProbe } from '../workload.js';
import type { ComponentProps } from './base.js';

export type ImapProps = ComponentProps;

/** Dovecot: mailboxes, IMAP/POP3/ManageSieve behind front, LMTP delivery. */
export class Imap extends Construct {
  readonly workload: MailuWorkload;
  constructor(scope: Construct, id: string, props: ImapProps) {
    super(scope, id);
    const probe = shellProbe('kill -0 "$(cat /run/dovecot/master.pid)"');
    this.workload = new MailuWorkload(this, 'workload', {
      ...props,
      data: [
        { subPath: 'data', mountPath: '/data' },
        { subPath: 'mail', mountPath: '/mail' },
      ],
      startupProbe: { ...probe, failureThreshold: 30 },
      livenessProbe: probe,
      readinessProbe: readiness({ tcpSocket: { port: 143 } }),
    });
  }
}
