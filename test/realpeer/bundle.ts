// One matrix case, rendered by Mailu's own scripts and checked by the daemons' own checkers.
// Cases run concurrently (bounded), so the suite's wall time is about the slowest few cases.
import { type Rendered, render } from '../support/chart-helpers.js';
import { type CheckResult, doveconfCheck, have, nginxTest, postconfCheck } from '../support/mailu/checkers.js';
import { antispamDials, type Dialed, frontDials, imapDials, smtpDials, sourceDials, webmailDials } from '../support/mailu/dials.js';
import { type ContainerView, containerView, resolvConf, secretMountFiles, serviceHosts } from '../support/mailu/effective-env.js';
import { type MailuRender, renderDovecot, renderFront, renderPostfix, renderRspamd, renderTemplate } from '../support/mailu/render.js';
import type { RealPeerCase } from './cases.js';

export interface Bundle {
  r: Rendered;
  views: Partial<Record<string, ContainerView>>;
  front: MailuRender;
  smtp: MailuRender;
  imap: MailuRender;
  antispam?: MailuRender;
  roundcube?: MailuRender;
  /** false when openssl is absent: front ran without certificates (TLS_ERROR), TLS checks skip. */
  withCerts: boolean;
  dials: Dialed[];
  checks: { nginx?: CheckResult; postconf?: CheckResult[]; doveconfFront?: CheckResult; doveconfImap?: CheckResult };
}

const VIEWED = ['front', 'admin', 'smtp', 'imap', 'antispam', 'webmail', 'fetchmail'];

async function checks(b: Omit<Bundle, 'checks' | 'dials'>): Promise<Bundle['checks']> {
  const [nginx, postconf, doveconfFront, doveconfImap] = await Promise.all([
    have('nginx') ? nginxTest(b.front) : undefined,
    have('postconf') ? postconfCheck(b.smtp) : undefined,
    have('doveconf') ? doveconfCheck(b.front, '/etc/dovecot/proxy.conf') : undefined,
    have('doveconf') ? doveconfCheck(b.imap, '/etc/dovecot/dovecot.conf') : undefined,
  ]);
  return { nginx, postconf, doveconfFront, doveconfImap };
}

export async function buildBundle(c: RealPeerCase): Promise<Bundle> {
  const r = render(c.config);
  const views = Object.fromEntries(VIEWED.filter((x) => r.hasComponent(x)).map((x) => [x, containerView(r, x)]));
  const hosts = serviceHosts(r);
  const v = (x: string): ContainerView => {
    const view = views[x];
    if (!view) throw new Error(`${x} does not run in this case`);
    return view;
  };
  const certs = secretMountFiles(v('front'), c.config.hostnames[0]!);
  const opts = (x: string) => ({ hosts, resolvConf: resolvConf(v(x)) });
  const [front, smtp, imap, antispam, roundcube] = await Promise.all([
    renderFront(v('front').env, { ...opts('front'), files: certs ?? {} }),
    renderPostfix(v('smtp').env, opts('smtp')),
    renderDovecot(v('imap').env, opts('imap')),
    views.antispam ? renderRspamd(v('antispam').env, opts('antispam')) : undefined,
    views.webmail?.env.WEBMAIL === 'roundcube' ? renderTemplate('webmails/roundcube/config/config.inc.php', v('webmail').env, opts('webmail')) : undefined,
  ]);
  const base = { r, views, front, smtp, imap, antispam, roundcube, withCerts: certs !== undefined };
  const dials = [
    ...frontDials(front), ...smtpDials(smtp), ...imapDials(imap),
    ...(antispam ? antispamDials(antispam) : []), ...(roundcube ? webmailDials(roundcube) : []),
    ...sourceDials((x) => views[x]?.env),
  ];
  return { ...base, dials, checks: await checks(base) };
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export function bounded<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R>[] {
  let active = 0;
  const queue: (() => void)[] = [];
  const next = () => {
    active--;
    queue.shift()?.();
  };
  return items.map(
    (item) =>
      new Promise<R>((resolve, reject) => {
        const start = () => {
          active++;
          fn(item).then(resolve, reject).finally(next);
        };
        if (active < limit) start();
        else queue.push(start);
      }),
  );
}
