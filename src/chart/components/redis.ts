import { Construct } from 'constructs';
import { REDISCLI_AUTH_VAR } from '../../model/knobs.js';
import { MailuWorkload, readiness, shellProbe } from '../workload.js';
import type { ComponentProps } from './base.js';

export interface RedisProps extends ComponentProps {
  /**
   * Require the password (redis.auth) from every client. The container's REDISCLI_AUTH holds it
   * (model/knobs.ts): the kubelet expands it into --requirepass, and redis-cli (probes, backup
   * hooks) authenticates with it.
   */
  requirePassword?: boolean;
}

/**
 * Bundled Redis. The NetworkPolicy admits only admin and antispam; with redis.auth it also
 * requires a password, which Mailu's clients send (model/knobs.ts, chart/redis-auth.ts).
 */
export class Redis extends Construct {
  readonly workload: MailuWorkload;
  constructor(scope: Construct, id: string, props: RedisProps) {
    super(scope, id);
    const probe = shellProbe('redis-cli ping | grep -q PONG');
    this.workload = new MailuWorkload(this, 'workload', {
      ...props,
      sharedEnv: false,
      args: ['redis-server', '--save', '300', '1', '--dir', '/data', ...(props.requirePassword ? ['--requirepass', `$(${REDISCLI_AUTH_VAR})`] : [])],
      data: [{ subPath: 'redis', mountPath: '/data' }],
      livenessProbe: probe,
      readinessProbe: readiness(probe),
    });
  }
}
