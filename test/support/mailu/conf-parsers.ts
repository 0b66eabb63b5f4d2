// Small parsers for the daemon configs Mailu renders, so tests can ask "which ports does nginx
// listen on" instead of grepping text. They cover the syntax Mailu's templates use, not every
// corner of each format; anything they cannot read throws.

// ------------------------------------------------------------------ nginx

export interface NginxDirective {
  name: string;
  args: string[];
  block?: NginxDirective[];
}

function nginxTokens(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s+|#[^\n]*|"((?:\\.|[^"\\])*)"|'((?:\\.|[^'\\])*)'|([{};])|([^\s{};"'#]+(?:#[^\s{};]*)*)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text))) {
    if (m[1] !== undefined) tokens.push(m[1]);
    else if (m[2] !== undefined) tokens.push(m[2]);
    else if (m[3] !== undefined) tokens.push(m[3]);
    else if (m[4] !== undefined) tokens.push(m[4]);
  }
  if (re.lastIndex < text.length) throw new Error(`nginx: cannot tokenize at ${JSON.stringify(text.slice(re.lastIndex, re.lastIndex + 40))}`);
  return tokens;
}

export function parseNginx(text: string): NginxDirective[] {
  const tokens = nginxTokens(text);
  let i = 0;
  const block = (depth: number): NginxDirective[] => {
    const out: NginxDirective[] = [];
    let cur: string[] = [];
    while (i < tokens.length) {
      const t = tokens[i++]!;
      if (t === ';') {
        if (cur.length) out.push({ name: cur[0]!, args: cur.slice(1) });
        cur = [];
      } else if (t === '{') {
        out.push({ name: cur[0]!, args: cur.slice(1), block: block(depth + 1) });
        cur = [];
      } else if (t === '}') {
        if (depth === 0 || cur.length) throw new Error('nginx: unbalanced }');
        return out;
      } else cur.push(t);
    }
    if (depth !== 0 || cur.length) throw new Error('nginx: unexpected end of file');
    return out;
  };
  return block(0);
}

/** Directives named `name` directly in `dirs`. */
export function nginxAll(dirs: NginxDirective[] | undefined, name: string): NginxDirective[] {
  return (dirs ?? []).filter((d) => d.name === name);
}

/** The single top-level block `name` (http, mail, events). */
export function nginxBlock(dirs: NginxDirective[], name: string): NginxDirective[] {
  const found = nginxAll(dirs, name);
  if (found.length !== 1 || !found[0]!.block) throw new Error(`nginx: expected one ${name} block, found ${found.length}`);
  return found[0]!.block;
}

export interface NginxListen {
  context: 'http' | 'mail';
  address: string;
  port: number;
  proxyProtocol: boolean;
  ssl: boolean;
}

/** Every `listen` of every server in the http and mail blocks. */
export function nginxListens(dirs: NginxDirective[]): NginxListen[] {
  const out: NginxListen[] = [];
  for (const context of ['http', 'mail'] as const) {
    for (const server of nginxAll(nginxBlock(dirs, context), 'server')) {
      for (const l of nginxAll(server.block, 'listen')) {
        const m = /^(?:(\[[^\]]+\]|[^:]+):)?(\d+)$/.exec(l.args[0]!);
        if (!m) throw new Error(`nginx: cannot read listen ${l.args.join(' ')}`);
        out.push({
          context, address: m[1] ?? '*', port: Number(m[2]),
          proxyProtocol: l.args.includes('proxy_protocol'), ssl: l.args.includes('ssl'),
        });
      }
    }
  }
  return out;
}

// ------------------------------------------------------------------ dovecot

export interface DovecotSection {
  type: string;
  name?: string;
  settings: Record<string, string>;
  sections: DovecotSection[];
  includes: string[];
}

export function parseDovecot(text: string): DovecotSection {
  const root: DovecotSection = { type: '', settings: {}, sections: [], includes: [] };
  const stack = [root];
  for (const [n, raw] of text.split('\n').entries()) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const top = stack[stack.length - 1]!;
    let m: RegExpExecArray | null;
    if ((m = /^!include(?:_try)?\s+(\S+)$/.exec(line))) top.includes.push(m[1]!);
    else if (line === '}') {
      if (stack.length === 1) throw new Error(`dovecot: line ${n + 1}: unbalanced }`);
      stack.pop();
    } else if ((m = /^([A-Za-z0-9_-]+)(?:\s+(\S+))?\s*\{$/.exec(line))) {
      const s: DovecotSection = { type: m[1]!, name: m[2], settings: {}, sections: [], includes: [] };
      top.sections.push(s);
      stack.push(s);
    } else if ((m = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line))) top.settings[m[1]!] = m[2]!.trim();
    else throw new Error(`dovecot: line ${n + 1}: cannot read ${JSON.stringify(line)}`);
  }
  if (stack.length !== 1) throw new Error('dovecot: unclosed section');
  return root;
}

export interface DovecotListener {
  service: string;
  name: string;
  port: number;
  haproxy: boolean;
  ssl: boolean;
}

/** Every inet_listener with a non-zero port (port 0 disables a listener). */
export function dovecotListeners(conf: DovecotSection): DovecotListener[] {
  const out: DovecotListener[] = [];
  for (const svc of conf.sections.filter((s) => s.type === 'service')) {
    for (const l of svc.sections.filter((s) => s.type === 'inet_listener')) {
      const port = Number(l.settings.port ?? '0');
      if (!Number.isInteger(port)) throw new Error(`dovecot: listener ${l.name} port ${l.settings.port}`);
      if (port === 0) continue;
      out.push({ service: svc.name ?? '', name: l.name ?? '', port, haproxy: l.settings.haproxy === 'yes', ssl: l.settings.ssl === 'yes' });
    }
  }
  return out;
}

/** Settings of every `plugin { }` section merged (Mailu's dovecot.conf has two). */
export function dovecotPlugin(conf: DovecotSection): Record<string, string> {
  return Object.assign({}, ...conf.sections.filter((s) => s.type === 'plugin').map((s) => s.settings));
}

// ------------------------------------------------------------------ postfix

/** main.cf: name → value, continuation lines joined, comments dropped. Later names win (as in postfix). */
export function parseMainCf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last: string | undefined;
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw) || raw.trim() === '') continue;
    if (/^\s/.test(raw)) {
      if (!last) throw new Error(`main.cf: continuation without a parameter: ${raw}`);
      out[last] = `${out[last]} ${raw.trim()}`.trim();
      continue;
    }
    const m = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(raw);
    if (!m) throw new Error(`main.cf: cannot read ${JSON.stringify(raw)}`);
    last = m[1]!;
    out[last] = m[2]!.trim();
  }
  return out;
}

export interface MasterEntry {
  service: string;
  type: string;
  command: string;
  options: Record<string, string>;
}

export function parseMasterCf(text: string): MasterEntry[] {
  const out: MasterEntry[] = [];
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw) || raw.trim() === '') continue;
    if (/^\s/.test(raw)) {
      const cur = out[out.length - 1];
      const m = /^\s+-o\s+([A-Za-z0-9_]+)=(.*)$/.exec(raw);
      if (!cur || !m) throw new Error(`master.cf: cannot read ${JSON.stringify(raw)}`);
      cur.options[m[1]!] = m[2]!.trim();
      continue;
    }
    const f = raw.trim().split(/\s+/);
    if (f.length < 8) throw new Error(`master.cf: short entry ${JSON.stringify(raw)}`);
    out.push({ service: f[0]!, type: f[1]!, command: f.slice(7).join(' '), options: {} });
  }
  return out;
}

/** Postfix list values: separated by commas and/or whitespace. */
export function postfixList(v: string | undefined): string[] {
  return (v ?? '').split(/[\s,]+/).filter(Boolean);
}
