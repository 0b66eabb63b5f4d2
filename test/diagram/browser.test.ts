// The SVG as a person sees it: headless Chromium (Debian's `chromium`) renders the diagram of every
// exposure × egress mode with its real fonts, and a script in the page measures every box and
// every line of text (getBBox). Checked: each node and label the diagram promises is there, every
// text fits inside its box, everything lies inside the viewport, and no two boxes overlap.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { renderDiagram } from '../../src/diagram/index.js';
import { draw, type Drawn, modes } from './modes.js';

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
interface Measured {
  id: string;
  rect: Box;
  texts: { text: string; box: Box }[];
}
interface Page {
  name: string;
  width: number;
  height: number;
  font: string;
  nodes: Measured[];
  labels: Measured[];
  captions: { text: string; box: Box }[];
  warnings: Measured[];
}

// Runs in the page: measures every diagram and writes the result, base64 JSON, into #result.
const MEASURE = `
const box = (el) => { const b = el.getBBox(); return { x: b.x, y: b.y, w: b.width, h: b.height }; };
const texts = (g) => [...g.querySelectorAll('text')].map((t) => ({ text: t.textContent, box: box(t) }));
const out = [...document.querySelectorAll('div.case')].map((div) => {
  const svg = div.querySelector('svg');
  const group = (sel, key) => [...svg.querySelectorAll(sel)].map((g) => {
    const r = g.querySelector('rect');
    return { id: g.getAttribute(key), rect: r ? box(r) : box(g), texts: texts(g) };
  });
  return {
    name: div.dataset.name,
    width: Number(svg.getAttribute('width')),
    height: Number(svg.getAttribute('height')),
    font: getComputedStyle(svg.querySelector('text')).fontFamily,
    nodes: group('g.node', 'data-id'),
    labels: group('g.label', 'data-edge'),
    captions: [...svg.querySelectorAll('text.caption')].map((t) => ({ text: t.textContent, box: box(t) })),
    warnings: group('g.warning', 'data-n'),
  };
});
document.getElementById('result').textContent = btoa(unescape(encodeURIComponent(JSON.stringify(out))));
`;

const chromium = ['chromium', 'chromium-browser'].find((c) => spawnSync(c, ['--version'], { encoding: 'utf8', timeout: 30_000 }).status === 0);
const dir = mkdtempSync(join(tmpdir(), 'mailu-k8s-diagram-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Renders the page in headless Chromium and returns the DOM after its scripts ran. */
function dumpDom(browser: string, page: string, profile: string): string {
  const r = spawnSync(
    browser,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${profile}`,
      '--virtual-time-budget=10000',
      '--dump-dom',
      `file://${page}`,
    ],
    { encoding: 'utf8', timeout: 180_000, maxBuffer: 256 * 1024 * 1024 },
  );
  assert.equal(r.status, 0, `chromium failed: ${r.stderr}`);
  return r.stdout;
}

const TOL = 0.5;
const inside = (a: Box, b: Box) => a.x >= b.x - TOL && a.y >= b.y - TOL && a.x + a.w <= b.x + b.w + TOL && a.y + a.h <= b.y + b.h + TOL;
const overlap = (a: Box, b: Box) => Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x) > TOL && Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y) > TOL;

function checkFits(p: Page): void {
  const view = { x: 0, y: 0, w: p.width, h: p.height };
  for (const m of [...p.nodes, ...p.labels]) {
    assert.ok(inside(m.rect, view), `${p.name}: ${m.id} inside the viewport`);
    for (const t of m.texts) assert.ok(inside(t.box, m.rect), `${p.name}: "${t.text}" fits its box ${m.id} (${JSON.stringify(t.box)} in ${JSON.stringify(m.rect)})`);
  }
  for (const t of [...p.captions, ...p.warnings.flatMap((w) => w.texts)]) assert.ok(inside(t.box, view), `${p.name}: "${t.text}" inside the viewport`);
}

function checkNoOverlap(p: Page): void {
  const boxes = [
    ...p.nodes.map((n) => ({ what: `node ${n.id}`, box: n.rect })),
    ...p.labels.map((l) => ({ what: `label of ${l.id} (${l.texts[0]?.text})`, box: l.rect })),
    ...p.captions.map((c) => ({ what: `caption ${c.text}`, box: c.box })),
    ...p.warnings.map((w) => ({ what: `warning ${w.id}`, box: w.rect })),
  ];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      assert.ok(!overlap(boxes[i]!.box, boxes[j]!.box), `${p.name}: ${boxes[i]!.what} and ${boxes[j]!.what} overlap`);
    }
  }
}

/** What the issue promises, looked up in what the browser drew. */
function checkPresent(p: Page, drawn: Drawn): void {
  const { diagram: d, model, plan } = drawn;
  const ids = new Set(p.nodes.map((n) => n.id));
  for (const id of ['internet', 'exposure', 'front', 'egress', 'receivers', 'pub-static', 'zone-domain', ...model.components.keys()]) assert.ok(ids.has(id), `${p.name}: ${id} drawn`);
  if (model.config.web.kind !== 'none') assert.ok(ids.has('web'));
  const labelText = new Set(p.labels.flatMap((l) => l.texts.map((t) => t.text)));
  for (const port of model.exposure.publicPorts) assert.ok([...labelText].some((t) => t.startsWith(`${port.port} ${port.name} · PROXY ${port.proxy ? 'on' : 'off'}`)), `${p.name}: port ${port.port}`);
  if (plan.spf.source === 'static') assert.ok(labelText.has(`SPF ${plan.spf.value}`), `${p.name}: SPF on the way out`);
  const nodeText = new Set(p.nodes.flatMap((n) => n.texts.map((t) => t.text)));
  for (const ip of model.egress.senderIps) assert.ok(nodeText.has(`${ip} needs PTR → ${plan.primaryHostname}.`));
  for (const n of d.nodes) for (const l of [n.title, ...n.lines]) assert.ok(nodeText.has(l), `${p.name}: "${l}" shown`);
  // Inbound on the left, outbound on the right: each step of the mail path lies right of the one before.
  const x = (id: string) => p.nodes.find((n) => n.id === id)!.rect;
  for (const [a, b] of [['internet', 'exposure'], ['exposure', 'front'], ['front', 'smtp'], ['smtp', 'egress'], ['egress', 'receivers']] as const) {
    assert.ok(x(a).x + x(a).w < x(b).x, `${p.name}: ${a} left of ${b}`);
  }
  for (const w of d.warnings) {
    assert.ok(p.warnings.some((x) => x.id === String(w.n)), `${p.name}: warning ${w.n} listed`);
    for (const a of w.anchors) {
      const badge = p.nodes.find((n) => n.id === a)!.texts.find((t) => t.text.startsWith('⚠'));
      assert.ok(badge?.text.split(/[ ,]/).includes(String(w.n)), `${p.name}: warning ${w.n} marked on ${a}`);
    }
  }
}

describe('diagram in a browser: every exposure × egress mode', () => {
  it('renders with every node and label present, fitting, inside the viewport and not overlapping', async (t) => {
    if (!chromium) {
      t.skip('chromium not installed: the diagrams were not rendered in a browser');
      return;
    }
    const cases = modes().map((m) => ({ ...m, drawn: draw(m.config) }));
    const svgs = await Promise.all(cases.map((c) => renderDiagram(c.drawn.diagram, 'svg')));
    const body = cases.map((c, i) => `<div class="case" data-name="${c.name}">${svgs[i]}</div>`).join('\n');
    const page = join(dir, 'page.html');
    writeFileSync(page, `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${body}<pre id="result"></pre><script>${MEASURE}</script></body></html>`);
    const dom = dumpDom(chromium, page, join(dir, 'profile'));
    const encoded = /<pre id="result">([A-Za-z0-9+/=]+)<\/pre>/.exec(dom)?.[1];
    assert.ok(encoded, 'the page script wrote its measurements');
    const pages = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as Page[];
    assert.equal(pages.length, cases.length);
    for (const [i, p] of pages.entries()) {
      assert.match(p.font, /DejaVu Sans/);
      checkPresent(p, cases[i]!.drawn);
      checkFits(p);
      checkNoOverlap(p);
    }
  });
});
