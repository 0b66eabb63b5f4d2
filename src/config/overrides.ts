// `overrides`: Mailu's own escape hatch, the files its start-up scripts read from /overrides in
// each container, by Mailu's names for the daemons. Audited against Mailu 2024.06's sources:
//   postfix   core/postfix/start.py   postfix.cf (each line through `postconf -e "<line>"`),
//                                     postfix.master (`postconf -Me "<line>"`), *.map (postmap'ed),
//                                     mta-sts-daemon.yml (replaces the rendered one)
//   dovecot   core/dovecot/conf/dovecot.conf   `!include_try /overrides/dovecot.conf`
//   rspamd    core/rspamd/start.py   every file is copied into /etc/rspamd/local.d, except names
//                                     of Mailu's own templates, which `.include` /overrides/<name>
//                                     themselves (and a few that include nothing: refused)
//   nginx     core/nginx/conf/nginx.conf   `include /overrides/*.conf;` in the web server block
//   roundcube webmails/start.py + config.inc.php: `include('/overrides/<f>')` for *.inc, *.inc.php
// A name Mailu would not read is refused here instead of being mounted and silently ignored. Only
// file names and inline content are checked here; which component runs is the model's business.
import { z } from 'zod';

export const OVERRIDE_DAEMONS = ['postfix', 'dovecot', 'rspamd', 'nginx', 'roundcube'] as const;
export type OverrideDaemon = (typeof OVERRIDE_DAEMONS)[number];

// ConfigMap keys: what the API server accepts. Names starting with ".." are the kubelet's own
// (..data, ..<timestamp>) in a mounted ConfigMap.
const CONFIGMAP_KEY_RE = /^[-._a-zA-Z0-9]{1,253}$/;
const SUBDOMAIN_RE = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Mailu's rspamd templates that include nothing from /overrides: an override of that name is skipped. */
const RSPAMD_IGNORED = ['local_subnet.map', 'logging.inc', 'options.inc', 'redis.conf', 'worker-controller.inc', 'worker-fuzzy.inc', 'worker-normal.inc', 'worker-proxy.inc'];

/** Why Mailu would not read `name` from this daemon's /overrides, or undefined when it does. */
export function overrideNameProblem(daemon: OverrideDaemon, name: string): string | undefined {
  if (name.includes('/') || name.includes('\\')) return 'a file name, not a path: Mailu reads /overrides itself, without sub-folders';
  if (name === '.' || name.startsWith('..')) return 'is not a file name ("." and names starting with ".." are refused)';
  if (!CONFIGMAP_KEY_RE.test(name)) return 'not a valid file name (letters, digits, "-", "_" and ".", at most 253 characters)';
  switch (daemon) {
    case 'postfix':
      if (['postfix.cf', 'postfix.master', 'mta-sts-daemon.yml'].includes(name) || name.endsWith('.map')) return undefined;
      if (name === 'logrotate.conf') return 'is only read when postfix logs to a file (POSTFIX_LOG_FILE); mailu-k8s logs to stdout';
      return 'Mailu\'s postfix reads postfix.cf, postfix.master, mta-sts-daemon.yml and *.map from /overrides; this file would be ignored';
    case 'dovecot':
      return name === 'dovecot.conf' ? undefined : 'Mailu\'s dovecot includes only /overrides/dovecot.conf; this file would be ignored';
    case 'rspamd':
      return RSPAMD_IGNORED.includes(name)
        ? `Mailu's rspamd keeps its own ${name} and includes no override of it; this file would be ignored`
        : undefined;
    case 'nginx':
      return name.endsWith('.conf') ? undefined : 'Mailu\'s nginx includes /overrides/*.conf; this file would be ignored';
    case 'roundcube':
      return name.endsWith('.inc') || name.endsWith('.inc.php') ? undefined : 'Mailu\'s Roundcube includes /overrides/*.inc and *.inc.php; this file would be ignored';
  }
}

/**
 * postfix.cf parameters mailu-k8s decides from typed fields (trust, wiring, relay TLS): an override
 * would undo the decision without the checks made on the field.
 */
export const POSTFIX_MANAGED_PARAMETERS: Readonly<Record<string, string>> = {
  mynetworks: 'cluster.podCidr (who may relay without authentication)',
  smtpd_authorized_xclient_hosts: 'cluster.podCidr (who may claim another client address)',
  smtpd_relay_restrictions: 'mailu-k8s (Mailu\'s relay restrictions keep it from being an open relay)',
  relayhost: 'egress (mode: relay)',
  smtp_sasl_password_maps: 'egress.secret',
  smtp_tls_security_level: 'mailu.tls.outbound',
  message_size_limit: 'mailu.messageSizeLimit',
};

/**
 * Mailu runs `os.system('postconf -e "<line>"')`: the shell sees each line inside double quotes, so
 * an unescaped $, ` or " is the shell's, not postfix's ($myhostname becomes empty).
 */
function shellProblem(line: string): string | undefined {
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\') {
      i++; // the next character is escaped
      continue;
    }
    if (c === '$' || c === '`' || c === '"') {
      return `${JSON.stringify(c)} at column ${i + 1}: Mailu passes each line to the shell inside double quotes (postconf -e "…"), which would interpret it; write \\${c} so postfix receives ${c}`;
    }
  }
  return undefined;
}

/** Problems of one postfix.cf / postfix.master file, one message per line at fault. */
export function postconfLinesProblems(file: 'postfix.cf' | 'postfix.master', content: string): string[] {
  const out: string[] = [];
  // Mailu: content.strip().split("\n"), skipping empty lines and lines starting with "#".
  content.trim().split('\n').forEach((line, i) => {
    if (line === '' || line.startsWith('#')) return;
    const where = `line ${i + 1}`;
    if (/^\s/.test(line)) {
      out.push(`${where}: starts with white space; Mailu applies every line on its own, so a continuation line is not joined to the one above: write each ${file === 'postfix.cf' ? 'parameter' : 'service'} on one line`);
      return;
    }
    const shell = shellProblem(line);
    if (shell) out.push(`${where}: ${shell}`);
    if (file === 'postfix.cf') {
      const m = /^([A-Za-z0-9_]+)\s*=/.exec(line);
      if (!m) out.push(`${where}: not "name = value"`);
      else if (POSTFIX_MANAGED_PARAMETERS[m[1]!]) out.push(`${where}: ${m[1]} is set by mailu-k8s from ${POSTFIX_MANAGED_PARAMETERS[m[1]!]}`);
    } else if (!/^[A-Za-z0-9_.:[\]-]+\/(inet|unix|unix-dgram|fifo|pass)\s*=/.test(line)) {
      // postconf -Me takes "service/type = entry", e.g. "submission/inet = submission inet n - n - - smtpd".
      out.push(`${where}: not "service/type = master.cf entry" (postconf -Me), e.g. "mysvc/unix = mysvc unix - n n - - pipe …"`);
    }
  });
  return out;
}

/**
 * One daemon's overrides: file name → content (a ConfigMap mailu-k8s writes), or {configMap: NAME}
 * for a ConfigMap of yours. `configMap` is no file name Mailu reads for any daemon, so the two
 * forms cannot be confused; both are a map of strings, and stay one when parsed (a parsed config
 * is valid input again).
 */
function overrideSource(daemon: OverrideDaemon) {
  return z.record(z.string(), z.string()).superRefine((files, ctx) => {
    const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if ('configMap' in files) {
      const extra = Object.keys(files).filter((k) => k !== 'configMap');
      if (extra.length > 0) issue([extra[0]!], 'a ConfigMap of yours ({configMap: NAME}) comes alone: put every file in it, or give every file inline');
      if (!SUBDOMAIN_RE.test(files.configMap!)) issue(['configMap'], 'not a valid ConfigMap name (lower-case DNS subdomain)');
      return;
    }
    if (Object.keys(files).length === 0) issue([], 'give at least one file (name → content), or {configMap: NAME}');
    for (const [name, content] of Object.entries(files)) {
      const problem = overrideNameProblem(daemon, name);
      if (problem) issue([name], problem);
      else if (daemon === 'postfix' && (name === 'postfix.cf' || name === 'postfix.master')) {
        for (const p of postconfLinesProblems(name, content)) issue([name], p);
      }
    }
  });
}

/** The ConfigMap of yours an override names, or undefined for inline files. */
export function userConfigMap(source: Readonly<Record<string, string>>): string | undefined {
  return 'configMap' in source ? source.configMap : undefined;
}

export const overridesSection = z.strictObject({
  /** smtp's /overrides. */
  postfix: overrideSource('postfix').optional(),
  /** imap's /overrides. */
  dovecot: overrideSource('dovecot').optional(),
  /** antispam's /overrides. */
  rspamd: overrideSource('rspamd').optional(),
  /** front's /overrides (nginx's web server block). */
  nginx: overrideSource('nginx').optional(),
  /** webmail's /overrides (Roundcube only). */
  roundcube: overrideSource('roundcube').optional(),
});

export type OverridesConfig = z.output<typeof overridesSection>;
