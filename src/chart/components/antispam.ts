import { Construct } from 'constructs';
import { MailuWorkload, readiness } from '../workload.js';
import type { ComponentProps } from './base.js';

export type AntispamProps = ComponentProps;

/** Rspamd: milter for postfix, controller for learning and the web UI. */
export class Antispam extends Construct {
  readonly workload: MailuWorkload;
  constructor(scope: Construct, id: string, props: AntispamProps) {
    super(scope, id);
    const http = { httpGet: { path: '/', port: 11334 }, periodSeconds: 5, timeoutSeconds: 5 };
    this.workload = new MailuWorkload(this, 'workload', {
      ...props,
      // rspamd's own state, and the maps its web UI edits (Bayes and fuzzy hashes are in Redis).
      data: [
        { subPath: 'rspamd', mountPath: '/var/lib/rspamd' },
        { subPath: 'maps.d', mountPath: '/etc/rspamd/local.d/maps.d' },
      ],
      // Rspamd waits for admin and compiles its rules first: Mailu allows 350 s; allow 360 s.
      startupProbe: { ...http, failureThreshold: 72 },
      livenessProbe: { ...http, periodSeconds: 10, failureThreshold: 3 },
      readinessProbe: readiness(http),
    });
  }
}
