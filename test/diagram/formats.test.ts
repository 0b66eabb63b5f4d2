// The three outputs: SVG is well-formed, self-contained XML holding every node and label text and
// is byte-identical across runs; Mermaid and DOT parse structurally (and through Graphviz's `dot`
// where it is installed), declare every node an edge names, and escape what their syntax reads.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { renderDot } from '../../src/diagram/dot.js';
import { renderDiagram } from '../../src/diagram/index.js';
import { mermaidId, renderMermaid } from '../../src/diagram/mermaid.js';
import { escapeXml } from '../../src/diagram/svg.js';
import type { Diagram } from '../../src/diagram/graph.js';
import { draw, modes } from './modes.js';

const ENTITY = /^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/i;

/** A small XML well-formedness check: balanced tags, quoted attributes, only defined entities. */
function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  let roots = 0;
  for (const m of xml.matchAll(/<[^>]*>|[^<]+/g)) {
    const tok = m[0];
    if (!tok.startsWith('<')) {
      assert.ok(stack.length > 0 || tok.trim() === '', `text outside the root: ${tok.slice(0, 40)}`);
      for (let i = tok.indexOf('&'); i >= 0; i = tok.indexOf('&', i + 1)) assert.match(tok.slice(i), ENTITY, `bare & in ${tok.slice(0, 60)}`);
      continue;
    }
    const close = /^<\/([A-Za-z][\w:-]*)\s*>$/.exec(tok);
    if (close) {
      assert.equal(stack.pop(), close[1], `</${close[1]}> closes the open element`);
      continue;
    }
    const open = /^<([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>$/.exec(tok);
    assert.ok(open, `well-formed tag: ${tok.slice(0, 80)}`);
    for (const a of open[2]!.matchAll(/="([^"]*)"/g)) for (let i = a[1]!.indexOf('&'); i >= 0; i = a[1]!.indexOf('&', i + 1)) assert.match(a[1]!.slice(i), ENTITY);
    if (stack.length === 0) roots++;
    if (open[3] !== '/') stack.push(open[1]!);
  }
  assert.deepEqual(stack, [], 'every element closed');
  assert.equal(roots, 1, 'one root element');
}

function assertSelfContained(svg: string): void {
  // The namespace name is an identifier, not something fetched.
  const rest = svg.replace(' xmlns="http://www.w3.org/2000/svg"', '');
  assert.doesNotMatch(rest, /https?:|\/\/[a-z]/i, 'no URL');
  assert.doesNotMatch(rest, /<script|<image|<foreignObject|@import|@font-face|href=|src=/i, 'nothing loaded or run');
  for (const u of rest.matchAll(/url\(([^)]*)\)/g)) assert.match(u[1]!, /^#[\w-]+$/, 'url() only to this document');
}

const allTexts = (d: Diagram): string[] => [
  d.title,
  d.subtitle,
  ...Object.values(d.captions),
  ...d.nodes.flatMap((n) => [n.title, ...n.lines]),
  ...d.edges.flatMap((e) => e.label),
];

describe('diagram SVG', () => {
  for (const m of modes()) {
    it(`${m.name}: well-formed, self-contained, every text in it`, async () => {
      const { diagram } = draw(m.config);
      const svg = await renderDiagram(diagram, 'svg');
      assertWellFormedXml(svg);
      assertSelfContained(svg);
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+" viewBox="0 0 \d+ \d+"/);
      for (const t of allTexts(diagram)) assert.ok(svg.includes(`>${escapeXml(t)}</text>`), `text drawn: ${t}`);
      for (const n of diagram.nodes) assert.ok(svg.includes(`data-id="${escapeXml(n.id)}"`));
      for (const w of diagram.warnings) assert.ok(svg.includes(`<g class="warning" data-n="${w.n}">`));
    });
  }

  it('is byte-identical across runs', async () => {
    const m = modes().find((x) => x.name === 'traefik × ciliumGateway')!;
    const [a, b] = [await renderDiagram(draw(m.config).diagram, 'svg'), await renderDiagram(draw(m.config).diagram, 'svg')];
    assert.equal(a, b);
  });

  it('escapes text that XML would read', () => {
    assert.equal(escapeXml(`a<b>&"c'`), 'a&lt;b&gt;&amp;&quot;c&apos;');
  });
});

/** Mermaid: structure, every edge endpoint declared, labels free of raw quotes. */
function checkMermaid(text: string, d: Diagram): void {
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], 'flowchart LR');
  const declared = new Set<string>();
  let depth = 0;
  for (const l of lines.slice(1)) {
    const t = l.trim();
    if (t.startsWith('%%') || t.startsWith('direction ')) continue;
    if (t.startsWith('subgraph ')) {
      assert.match(t, /^subgraph \w+\["[^"]*"\]$/);
      depth++;
      continue;
    }
    if (t === 'end') {
      depth--;
      assert.ok(depth >= 0);
      continue;
    }
    const nodeDecl = /^(\w+)\["([^"]*)"\]$/.exec(t);
    if (nodeDecl) {
      assert.ok(!declared.has(nodeDecl[1]!), `${nodeDecl[1]} declared once`);
      declared.add(nodeDecl[1]!);
      continue;
    }
    const e = /^(\w+) (-->|-\.->|-\.-)(?:\|"([^"]*)"\|)? (\w+)$/.exec(t);
    assert.ok(e, `a node, subgraph or edge line: ${t}`);
    assert.ok(declared.has(e[1]!) && declared.has(e[4]!), `edge between declared nodes: ${t}`);
  }
  assert.equal(depth, 0, 'every subgraph ends');
  for (const n of d.nodes) assert.ok(declared.has(mermaidId(n.id)));
  assert.ok(!declared.has('end'));
}

/** DOT: quoted strings well-formed, braces balanced outside them, every edge endpoint declared. */
function checkDot(text: string, d: Diagram): void {
  assert.match(text, /^digraph mailu \{\n/);
  let depth = 0;
  const unquoted = text.replace(/"(?:[^"\\]|\\.)*"/g, (s) => {
    assert.doesNotMatch(s.slice(1, -1), /\n/, 'no raw newline in a string');
    return 'S';
  });
  assert.doesNotMatch(unquoted, /"/, 'every quote closed');
  for (const ch of unquoted) {
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    assert.ok(depth >= 0);
  }
  assert.equal(depth, 0, 'braces balanced');
  const declared = new Set([...text.matchAll(/^\s+"((?:[^"\\]|\\.)*)" \[(?:shape=note, )?label=/gm)].map((m) => m[1]!));
  for (const n of d.nodes) assert.ok(declared.has(n.id), `${n.id} declared`);
  for (const m of text.matchAll(/^\s+"((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)"/gm)) assert.ok(declared.has(m[1]!) && declared.has(m[2]!), `edge ${m[1]} → ${m[2]}`);
}

const hasDot = spawnSync('dot', ['-V'], { encoding: 'utf8' }).status === 0;

describe('diagram Mermaid and DOT', () => {
  for (const m of modes()) {
    it(`${m.name}: Mermaid and DOT parse and hold every node`, () => {
      const { diagram } = draw(m.config);
      const mermaid = renderMermaid(diagram);
      checkMermaid(mermaid, diagram);
      const dot = renderDot(diagram);
      checkDot(dot, diagram);
      for (const e of diagram.edges.filter((x) => x.label.length > 0)) assert.ok(dot.includes(e.label[0]!.replace(/"/g, '\\"')));
    });
  }

  it("Graphviz's dot reads every mode's DOT", (t) => {
    if (!hasDot) {
      t.skip('dot (graphviz) not installed: DOT checked structurally only');
      return;
    }
    for (const m of modes()) {
      const r = spawnSync('dot', ['-Tsvg'], { input: renderDot(draw(m.config).diagram), encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, `${m.name}: ${r.stderr}`);
    }
  });

  it('escapes quotes, brackets and pipes in Mermaid labels and quotes in DOT', () => {
    const d: Diagram = {
      title: 't',
      subtitle: 's',
      captions: { inbound: 'in', inside: 'inside', outbound: 'out', dns: 'dns' },
      nodes: [
        { id: 'end', section: 'traffic', band: 0, kind: 'internet', title: 'say "hi" <b>', lines: ['a|b', 'back\\slash'], warnings: [] },
        { id: 'x.y', section: 'traffic', band: 2, kind: 'front', title: 'x', lines: [], warnings: [] },
      ],
      edges: [{ id: 'e1', from: 'end', to: 'x.y', kind: 'mail', label: ['25 "q"'], why: [], flows: [] }],
      warnings: [],
    };
    const mermaid = renderMermaid(d);
    checkMermaid(mermaid, d);
    assert.ok(mermaid.includes('say #quot;hi#quot; #lt;b#gt;') && mermaid.includes('a#124;b'));
    const dot = renderDot(d);
    checkDot(dot, d);
    assert.ok(dot.includes('say \\"hi\\" <b>\\l') && dot.includes('back\\\\slash\\l'));
  });
});
