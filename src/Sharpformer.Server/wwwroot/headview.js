// The attention view, in the spirit of bertviz's head view: query tokens on the left, key tokens on the
// right, a line between them as strong as the attention weight, one colour per head. Hovering a token keeps
// only its lines and shades the tokens it attends to (or, on the right, the tokens attending to it).
// The heatmap shows the same weights as a query × key grid.

const SVG = 'http://www.w3.org/2000/svg';

/** One colour per head (d3's category10, then more). */
export const HEAD_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f',
  '#bcbd22', '#17becf', '#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173', '#3182bd'];

/** Lines weaker than this are left out: they would be invisible, and there can be thousands. */
const MIN_WEIGHT = 0.01;

/**
 * Query and key labels of a map kind. Decoder self-attention is labelled with the decoder's inputs
 * (<s>, then the output shifted right); encoder–decoder rows with the token each position predicts.
 */
export function tokenLabels(maps, kind) {
  const src = maps.source_tokens.map(pretty), tgt = maps.target_tokens.map(pretty);
  const decoderInputs = ['<s>', ...tgt.slice(0, -1)];
  if (kind === 'encoder_self') return { queries: src, keys: src };
  if (kind === 'decoder_self') return { queries: decoderInputs, keys: decoderInputs };
  return { queries: tgt, keys: src };
}

/** SentencePiece marks a word start with ▁; show it as a thin space-like marker. */
function pretty(piece) { return piece.replaceAll('\u2581', '\u2423'); }

/** The chosen heads of one layer: [{head, weights[query][key]}]. */
export function chosenHeads(maps, view) {
  const layer = maps[view.kind][view.layer] || [];
  return view.head === 'all' ? layer.map((weights, head) => ({ head, weights })) : [{ head: view.head, weights: layer[view.head] }];
}

/** Mean weight of query q on key k over the chosen heads. */
function mean(heads, q, k) { return heads.reduce((s, h) => s + h.weights[q][k], 0) / heads.length; }

/**
 * Draws the view into container. view = {kind, layer, head ('all' or an index), heatmap, focus: null or
 * {side: 'query'|'key', index}}; onFocus(focus, pin) is called when the pointer moves onto a token or off the view.
 */
export function drawAttention(container, maps, view, onFocus) {
  const heads = chosenHeads(maps, view);
  const { queries, keys } = tokenLabels(maps, view.kind);
  const node = view.heatmap ? heatmap(heads, queries, keys, view, onFocus) : headView(container, heads, queries, keys, view, onFocus);
  const keyboard = container.contains(document.activeElement);
  container.replaceChildren(node);
  // Redrawing replaces the focused token; give the keyboard focus to its successor.
  if (keyboard && view.focus) node.querySelector(`[data-side="${view.focus.side}"][data-index="${view.focus.index}"]`)?.focus({ preventScroll: true });
}

function el(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function headView(container, heads, queries, keys, view, onFocus) {
  const width = Math.max(300, Math.min(container.clientWidth || 480, 640));
  const row = 24, top = 6, textWidth = Math.min(150, Math.floor(width * 0.3));
  const height = top * 2 + row * Math.max(queries.length, keys.length);
  const svg = el('svg', { class: 'headview', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': 'attention lines from query tokens (left) to key tokens (right)' });
  const y = i => top + row * i + row / 2;
  const leftX = textWidth, rightX = width - textWidth, focus = view.focus;
  if (focus) svg.dataset.focus = `${focus.side}:${focus.index}`;

  // Shading behind the tokens the focused token attends to (or that attend to it).
  const shade = (side, i, weight) => svg.append(el('rect', {
    class: 'shade', x: side === 'query' ? 0 : rightX, y: y(i) - row / 2 + 2, width: textWidth, height: row - 4, rx: 3,
    fill: heads.length === 1 ? HEAD_COLORS[heads[0].head % HEAD_COLORS.length] : '#4a6fd1', 'fill-opacity': Math.min(1, weight).toFixed(3),
  }));
  if (focus?.side === 'query') keys.forEach((_, k) => shade('key', k, mean(heads, focus.index, k)));
  if (focus?.side === 'key') queries.forEach((_, q) => shade('query', q, mean(heads, q, focus.index)));

  const lines = el('g', { class: 'lines' });
  for (const { head, weights } of heads) {
    const color = HEAD_COLORS[head % HEAD_COLORS.length];
    queries.forEach((_, q) => keys.forEach((_, k) => {
      const w = weights[q][k];
      if (w < MIN_WEIGHT) return;
      if (focus && (focus.side === 'query' ? q !== focus.index : k !== focus.index)) return;
      lines.append(el('line', { x1: leftX + 6, y1: y(q), x2: rightX - 6, y2: y(k), stroke: color,
        'stroke-opacity': Math.min(1, w).toFixed(3), 'stroke-width': focus ? 2.5 : 2, 'data-head': head }));
    }));
  }
  svg.append(lines);

  const token = (side, label, i) => {
    const t = el('text', { class: `token ${side}` + (focus && focus.side === side && focus.index === i ? ' focused' : ''),
      x: side === 'query' ? leftX - 4 : rightX + 4, y: y(i), 'text-anchor': side === 'query' ? 'end' : 'start',
      'dominant-baseline': 'central', tabindex: 0, 'data-side': side, 'data-index': i }, label);
    t.addEventListener('pointerenter', () => onFocus({ side, index: i }, false));
    t.addEventListener('focus', () => onFocus({ side, index: i }, false));
    t.addEventListener('click', () => onFocus({ side, index: i }, true));
    t.addEventListener('keydown', e => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onFocus({ side, index: i }, true); }
    });
    svg.append(t);
  };
  queries.forEach((label, i) => token('query', label, i));
  keys.forEach((label, i) => token('key', label, i));
  svg.addEventListener('pointerleave', () => onFocus(null, false));
  return svg;
}

function heatmap(heads, queries, keys, view, onFocus) {
  const grid = document.createElement('div');
  grid.className = 'heatmap';
  grid.style.gridTemplateColumns = `auto repeat(${keys.length}, minmax(1.4rem, 1fr))`;
  const color = heads.length === 1 ? HEAD_COLORS[heads[0].head % HEAD_COLORS.length] : '#4a6fd1';
  const rgb = [1, 3, 5].map(i => parseInt(color.slice(i, i + 2), 16)).join(', ');
  const focus = view.focus;
  const cell = (className, text, title) => {
    const d = document.createElement('div');
    d.className = className;
    if (text !== undefined) d.textContent = text;
    if (title) d.title = title;
    grid.append(d);
    return d;
  };
  cell('corner', 'query ↓  key →');
  keys.forEach((label, k) => {
    const d = cell('key-label' + (focus?.side === 'key' && focus.index === k ? ' focused' : ''), label);
    d.addEventListener('pointerenter', () => onFocus({ side: 'key', index: k }, false));
  });
  queries.forEach((label, q) => {
    const d = cell('query-label' + (focus?.side === 'query' && focus.index === q ? ' focused' : ''), label);
    d.addEventListener('pointerenter', () => onFocus({ side: 'query', index: q }, false));
    keys.forEach((keyLabel, k) => {
      const w = mean(heads, q, k);
      const dim = focus && (focus.side === 'query' ? q !== focus.index : k !== focus.index);
      const c = cell('cell' + (dim ? ' dim' : ''), undefined, `${label} → ${keyLabel}: ${w.toFixed(3)}`);
      c.style.backgroundColor = `rgba(${rgb}, ${Math.min(1, w).toFixed(3)})`;
    });
  });
  grid.addEventListener('pointerleave', () => onFocus(null, false));
  return grid;
}
