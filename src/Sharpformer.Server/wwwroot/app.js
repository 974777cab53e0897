// The page: translate (or answer) as you type, with beam and α, and show the attention of the result.
// Everything comes from this server's own API: GET /v1/models, POST /v1/translate | /v1/chat, POST /v1/attention.
import { drawAttention, HEAD_COLORS } from './headview.js';

const $ = id => document.getElementById(id);
const TYPING_PAUSE_MS = 350;
const EXAMPLES = {
  translation: 'Ein Mann fährt mit dem Fahrrad durch die Stadt.',
  chat: '오늘 날씨 어때?',
};

const state = {
  models: [], model: null,
  maps: null,
  view: { kind: 'cross', layer: 0, head: 'all', heatmap: false, focus: null, pinned: false },
  sequence: 0, inFlight: null, timer: 0,
};

async function api(path, body, signal) {
  const response = await fetch(path, body === undefined ? { signal } : {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal,
  });
  const json = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = json?.detail || json?.title || `HTTP ${response.status}`;
    const retry = response.headers.get('Retry-After');
    throw new Error(retry ? `${detail} (retry in ${retry} s)` : detail);
  }
  return json;
}

function showError(message) {
  $('error').hidden = !message;
  $('error').textContent = message || '';
}

function setStatus(text, busy = false) {
  $('status').textContent = text;
  $('status').classList.toggle('busy', busy);
}

/** Labels, example and decoding controls for the chosen model. */
function chooseModel(name) {
  state.model = state.models.find(m => m.name === name) || state.models[0];
  const chat = state.model.task === 'chat';
  $('source-label').textContent = chat ? 'Message' : 'Source';
  $('output-label').textContent = chat ? 'Answer' : 'Translation';
  $('source').placeholder = EXAMPLES[chat ? 'chat' : 'translation'];
  $('beam').value = state.model.defaults.beam;
  $('alpha').value = state.model.defaults.alpha;
  $('alpha').disabled = Number($('beam').value) <= 1;
}

function decodingFields() {
  const beam = Math.max(1, Math.round(Number($('beam').value) || 1));
  const alpha = Number($('alpha').value);
  return beam > 1 && Number.isFinite(alpha) ? { beam, alpha } : { beam };
}

/** Waits for a pause in typing, then asks for the translation and its attention maps. */
function schedule() {
  clearTimeout(state.timer);
  state.timer = setTimeout(run, TYPING_PAUSE_MS);
}

async function run() {
  const text = $('source').value.trim();
  state.inFlight?.abort();
  if (!text || !state.model) {
    $('output').textContent = '';
    $('nbest').replaceChildren();
    $('timing').textContent = '';
    state.maps = null;
    renderAttention();
    return;
  }
  const controller = new AbortController();
  state.inFlight = controller;
  const sequence = ++state.sequence;
  const request = { text: [text], model: state.model.name, ...decodingFields(), n_best: Math.min(3, decodingFields().beam) };
  setStatus('translating…', true);
  try {
    const endpoint = state.model.task === 'chat' ? '/v1/chat' : '/v1/translate';
    const result = await api(endpoint, request, controller.signal);
    if (sequence !== state.sequence) return;
    const best = (result.translations || result.answers)[0];
    $('output').textContent = best.text;
    $('timing').textContent = `score ${best.score.toFixed(2)} · ${result.elapsed_ms.toFixed(0)} ms`;
    $('nbest').replaceChildren(...best.n_best.slice(1).map(h => {
      const li = document.createElement('li');
      li.textContent = `${h.text}  (${h.score.toFixed(2)})`;
      return li;
    }));
    showError('');
    setStatus('attention…', true);
    const { beam, alpha } = request;
    state.maps = await api('/v1/attention', { text, model: state.model.name, beam, ...(alpha !== undefined ? { alpha } : {}) }, controller.signal);
    if (sequence !== state.sequence) return;
    state.view.focus = null;
    state.view.pinned = false;
    renderAttention();
    setStatus('ready');
  } catch (e) {
    if (e.name === 'AbortError' || sequence !== state.sequence) return;
    showError(e.message);
    setStatus('error');
  }
}

/** Fills the map, layer and head pickers from the maps, then draws the view. */
function renderAttention() {
  const maps = state.maps, view = state.view;
  const note = $('attention-note');
  if (!maps) {
    $('view').replaceChildren();
    $('heads').replaceChildren();
    note.textContent = 'Type a sentence to see its attention.';
    return;
  }
  // Show what the architecture has: an RNN has no self-attention, and one without attention has no maps at all.
  const kinds = [...$('kind').options];
  kinds.forEach(o => { o.disabled = !(maps[o.value] && maps[o.value].length); });
  const available = kinds.filter(o => !o.disabled);
  const missing = kinds.filter(o => o.disabled).map(o => o.textContent);
  if (!available.length) {
    $('view').replaceChildren();
    $('heads').replaceChildren();
    $('layer').replaceChildren();
    note.textContent = 'This architecture has no attention maps to show.';
    return;
  }
  if (!maps[view.kind]?.length) view.kind = available[available.length - 1].value;
  $('kind').value = view.kind;
  note.textContent = missing.length ? `This architecture has no ${missing.join(' and no ')}.` : '';

  const layers = maps[view.kind].length, heads = maps[view.kind][0].length;
  view.layer = Math.min(view.layer, layers - 1);
  if (view.head !== 'all' && view.head >= heads) view.head = 'all';
  $('layer').replaceChildren(...Array.from({ length: layers }, (_, l) => new Option(`${l + 1} of ${layers}`, l)));
  $('layer').value = view.layer;
  $('heads').replaceChildren(headButton('all', 'all heads'), ...Array.from({ length: heads }, (_, h) => headButton(h, `${h + 1}`)));
  drawAttention($('view'), maps, view, setFocus);
}

function headButton(head, label) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'head' + (state.view.head === head ? ' selected' : '');
  button.textContent = label;
  button.dataset.head = head;
  button.setAttribute('aria-pressed', state.view.head === head);
  if (head !== 'all') button.style.setProperty('--head-color', HEAD_COLORS[head % HEAD_COLORS.length]);
  button.addEventListener('click', () => { state.view.head = head; renderAttention(); });
  return button;
}

/** Hover shows a token's attention until the pointer leaves; a click (a tap) pins it until clicked again. */
function setFocus(focus, pin) {
  const view = state.view;
  const same = focus && view.focus && focus.side === view.focus.side && focus.index === view.focus.index;
  if (pin) {
    view.pinned = !(same && view.pinned);
    view.focus = view.pinned ? focus : null;
  } else {
    if (view.pinned) return;
    if (same || (!focus && !view.focus)) return;
    view.focus = focus;
  }
  drawAttention($('view'), state.maps, view, setFocus);
}

async function start() {
  ['source', 'beam', 'alpha'].forEach(id => $(id).addEventListener('input', () => {
    $('alpha').disabled = Number($('beam').value) <= 1;
    schedule();
  }));
  $('model').addEventListener('change', () => { chooseModel($('model').value); schedule(); });
  $('kind').addEventListener('change', () => { state.view.kind = $('kind').value; state.view.focus = null; state.view.pinned = false; renderAttention(); });
  $('layer').addEventListener('change', () => { state.view.layer = Number($('layer').value); renderAttention(); });
  $('heatmap').addEventListener('change', () => { state.view.heatmap = $('heatmap').checked; renderAttention(); });
  window.addEventListener('resize', () => { if (state.maps && !state.view.heatmap) renderAttention(); });

  for (let attempt = 0; ; attempt++) {
    try {
      const { models } = await api('/v1/models');
      state.models = models.filter(m => m.ready);
      if (state.models.length) break;
      setStatus('loading models…', true);
    } catch (e) {
      setStatus('server unreachable');
    }
    await new Promise(resolve => setTimeout(resolve, Math.min(5000, 500 * (attempt + 1))));
  }
  $('model').replaceChildren(...state.models.map(m => new Option(`${m.name} (${m.task})`, m.name)));
  const preferred = state.models.find(m => m.is_default) || state.models[0];
  $('model').value = preferred.name;
  chooseModel(preferred.name);
  setStatus('ready');
  renderAttention();
  if ($('source').value.trim()) schedule();
}

start();
