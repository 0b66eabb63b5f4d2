import { Construct } from 'constructs';
import { MailuWorkload, readiness } from '../workload.js';
import type { ComponentProps } from './base.js';

export type AdminProps = ComponentProps;

/** Admin UI, API and the internal auth/lookup endpoints everything else calls. */
export class Admin extends Construct {
  readonly workload: MailuWorkload;
  constructor(scope: Construct, id: string, props: AdminProps) {
    super(scope, id);
    const ping = { httpGet: { path: '/ping', port: 8080 }, periodSeconds: 10, timeoutSeconds: 3 };
    this.workload = new MailuWorkload(this, 'workload', {
      ...props,
      data: [
        { subPath: 'data', mountPath: '/data' },
        { subPath: 'dkim', mountPath: '/dkim' },
      ],
      // Start-up runs DB migrations and waits for a DNSSEC-validating resolver: allow 5 minutes.
      startupProbe: { ...ping, failureThreshold: 30 },
      livenessProbe: { ...ping, failureThreshold: 3 },
      readinessProbe: readiness(ping),
    });
  }
}
