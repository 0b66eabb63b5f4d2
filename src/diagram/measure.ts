// Text measurement without a browser. The SVG names DejaVu Sans first in its font stack (the
// font Debian, most Linux desktops and headless Chromium there render with); these are its
// advance widths, in thousandths of an em, for printable ASCII (space … tilde). Fallback fonts of
// the stack (Verdana, Arial) are no wider. A safety margin covers hinting and kerning, and the
// browser test checks that every label really fits its box.

const BOOK = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337,
  838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989,
  685, 611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521,
  392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
];
const BOLD = [
  348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 400, 400,
  838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103,
  771, 724, 725, 457, 365, 457, 838, 500, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595,
  478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
];
/** The few non-ASCII characters the diagram writes; anything else counts as a full em. */
const OTHER: Readonly<Record<string, number>> = { '→': 838, '←': 838, '·': 318, '…': 1000, '×': 838, '⚠': 896, '—': 1000, '–': 500 };
const MARGIN = 1.08;

export const FONT_FAMILY = "'DejaVu Sans', Verdana, Arial, sans-serif";

/** Estimated width in pixels of one line of text at `size` px. */
export function textWidth(text: string, size: number, bold = false): number {
  const table = bold ? BOLD : BOOK;
  let units = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    units += code >= 32 && code < 127 ? table[code - 32]! : (OTHER[ch] ?? 1000);
  }
  return Math.ceil((units / 1000) * size * MARGIN);
}

/** Greedy word wrap to lines no wider than `max` px (a single longer word gets its own line). */
export function wrapText(text: string, max: number, size: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next, size) > max) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}
