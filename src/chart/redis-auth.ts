// Redis authentication where Mailu has no setting for it. admin gets the password inside its
// REDIS_ADDRESS (model/knobs.ts); rspamd reads it through its own config templates: rspamd hands
// every RSPAMD_<name> variable to its Jinja templates as env.<name>, and override.d files win over
// Mailu's local.d ones (priority 10). Mailu sets `servers` in two places, the global redis section
// (statistics, fuzzy storage, every other module) and history_redis, which has its own servers and
// so needs its own password.
import { RSPAMD_REDIS_PASSWORD_VAR } from '../model/knobs.js';

/** rspamd's directory of final overrides (read after local.d, where Mailu renders its files). */
export const RSPAMD_OVERRIDE_DIR = '/etc/rspamd/override.d';

/** The override.d files that give rspamd the password (file name → content). */
export function rspamdRedisAuthFiles(): Record<string, string> {
  const envName = RSPAMD_REDIS_PASSWORD_VAR.replace(/^RSPAMD_/, '');
  const line = `# mailu-k8s: the Redis password, from the ${RSPAMD_REDIS_PASSWORD_VAR} variable (a Secret).\npassword = "{= env.${envName} =}";\n`;
  return { 'redis.conf': line, 'history_redis.conf': line };
}
