import { Construct } from 'constructs';
import { MailuWorkload, readiness } from '../workload.js';
import type { ComponentProps } from './base.js';

export type TikaProps = ComponentProps;

/** Apache Tika: text extraction for attachment full-text search. */
export class Tika extends Construct {
  readonly workload: MailuWorkload;
  constructor(scope: Construct, id: string, props: TikaProps) {
    super(scope, id);
    const http = { httpGet: { path: '/tika', port: 9998 }, periodSeconds: 10, timeoutSeconds: 5 };
    this.workload = new MailuWorkload(this, 'workload', {
      ...props,
      sharedEnv: false,
      startupProbe: { ...http, failureThreshold: 30 },
      livenessProbe: http,
      readinessProbe: readiness(http),
    });
  }
}
