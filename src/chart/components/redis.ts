import { Construct } from 'constructs';
import { MailuWorkload, readiness, shellProbe } from '../workload.js';
import type { ComponentProps } from './base.js';

export type RedisProps = ComponentProps;

/** Bundled Redis (Mailu does not support Redis auth: the NetworkPolicy is its protection). */
export class Redis extends Construct {
  readonly workload: MailuWorkload;
  constructor(scope: Construct, id: string, props: RedisProps) {
    super(scope, id);
    const probe = shellProbe('redis-cli ping | grep -q PONG');
    this.workload = new MailuWorkload(this, 'workload', {
      ...props,
      sharedEnv: false,
      args: ['redis-server', '--save', '300', '1', '--dir', '/data'],
      data: [{ subPath: 'redis', mountPath: '/data' }],
      livenessProbe: probe,
      readinessProbe: readiness(probe),
    });
  }
}
