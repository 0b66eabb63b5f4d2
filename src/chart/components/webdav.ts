import { Construct } from 'constructs';
import { MailuWorkload, readiness, shellProbe } from '../workload.js';
import type { ComponentProps } from './base.js';

export type WebdavProps = ComponentProps;

/** Radicale: CalDAV/CardDAV behind front's /webdav. */
export class Webdav extends Construct {
  readonly workload: MailuWorkload;
  constructor(scope: Construct, id: string, props: WebdavProps) {
    super(scope, id);
    this.workload = new MailuWorkload(this, 'workload', {
      ...props,
      data: [{ subPath: 'dav', mountPath: '/data' }],
      livenessProbe: shellProbe('ps ax | grep -q "[/]radicale.conf"'),
      readinessProbe: readiness({ tcpSocket: { port: 5232 } }),
    });
  }
}
