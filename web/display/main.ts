/**
 * The live display page: subscribes to /display/events (Server-Sent Events), keeps the charts and
 * lists up to date, and shows the newest selected candidate in the event display unless the user
 * picked one (a candidate or an alert): then it stays until "follow live".
 * document.body.dataset carries counts (ops, windows, alerts, event) for the browser test.
 */
import type {
  AlertDetail,
  AlertView,
  CandidateDetail,
  CandidateSummary,
  DisplayInfo,
  InputRatePoint,
  OpsPoint,
  ServerMessage,
  WindowPoint,
} from '../../src/display/protocol.js';
import { LiveChart, type Marker } from './charts.js';
import { EventView } from './event-view.js';
import { addAnomalies } from './anomaly-list.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const fmt = (v: number | null | undefined, d = 2): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d);
const timeOf = (tS: number): string => new Date(tS * 1000).toISOString().slice(11, 19);
const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

const MAX_POINTS = 1800;
const MAX_LIST = 50;
let info: DisplayInfo | undefined;
let charts:
  { input: LiveChart; selected: LiveChart; z: LiveChart; ops: LiveChart; latency: LiveChart } | undefined;
let view: EventView | undefined;
let alerts: AlertView[] = [];
let candidates: CandidateSummary[] = [];
let pinned = false;
let selectedAlert: string | undefined;
let shownEvent: string | undefined;
let lastOps: OpsPoint | undefined;
let lastZ: number | undefined;
const counts = { ops: 0, windows: 0, alerts: 0, events: 0 };

function setup(i: DisplayInfo): void {
  info = i;
  $('mode').textContent = `${i.mode} · backend ${i.backend} · model ${i.model}`;
  const markers = (): Marker[] =>
    alerts.map((a) => ({ id: a.alertId, x: a.windowEndS, label: `${a.method} Z ${a.z.toFixed(1)}` }));
  const alertOpts = {
    markers,
    onMarker: (id: string) => void pickAlert(id),
    selectedMarker: () => selectedAlert,
  };
  const w = i.excess.windowS;
  charts ??= {
    input: new LiveChart($('chart-input'), {
      title: 'Input: reconstructed events per second (DAQ time), band = trailing mean ± 2σ',
      yLabel: 'Hz',
      maxPoints: MAX_POINTS,
      band: [2, 3],
      series: [
        { label: 'input', stroke: '#4ea1ff' },
        { label: 'expected', stroke: '#8a96a3', dash: [4, 4] },
        { label: '+2σ', stroke: 'rgba(0,0,0,0)' },
        { label: '−2σ', stroke: 'rgba(0,0,0,0)' },
      ],
    }),
    selected: new LiveChart($('chart-selected'), {
      title: `Selected rate in ${w} s windows (DAQ time), band = expected ± 2σ`,
      yLabel: 'Hz',
      maxPoints: MAX_POINTS,
      band: [2, 3],
      ...alertOpts,
      series: [
        { label: 'selected', stroke: '#52c41a' },
        { label: 'expected', stroke: '#8a96a3', dash: [4, 4] },
        { label: '+2σ', stroke: 'rgba(0,0,0,0)' },
        { label: '−2σ', stroke: 'rgba(0,0,0,0)' },
      ],
    }),
    z: new LiveChart($('chart-z'), {
      title: `Excess significance Z of the latest window (alert at Z ≥ ${i.excess.zThreshold}; red: alerts, click one)`,
      yLabel: 'Z',
      maxPoints: MAX_POINTS,
      ...alertOpts,
      series: [
        { label: 'Z', stroke: '#faad14' },
        { label: 'threshold', stroke: '#8a96a3', dash: [2, 4] },
      ],
    }),
    ops: new LiveChart($('chart-ops'), {
      title: 'Processing rate (wall clock)',
      yLabel: 'frames/s',
      rightLabel: 'selected/s',
      maxPoints: MAX_POINTS,
      series: [
        { label: 'frames/s', stroke: '#4ea1ff' },
        { label: 'selected/s', stroke: '#52c41a', right: true },
      ],
    }),
    latency: new LiveChart($('chart-latency'), {
      title: 'End-to-end latency and consumer lag (wall clock)',
      yLabel: 'ms',
      rightLabel: 'messages',
      maxPoints: MAX_POINTS,
      series: [
        { label: 'p50', stroke: '#13c2c2' },
        { label: 'p99', stroke: '#eb2f96' },
        { label: 'lag', stroke: '#faad14', right: true },
      ],
    }),
  };
  view ??= new EventView($<HTMLCanvasElement>('event-canvas'), $('event-labels'), i);
}

function addOps(points: readonly OpsPoint[]): void {
  charts?.ops.push(points.map((p) => ({ x: p.tMs / 1000, y: [p.inputHz, p.selectedHz] })));
  charts?.latency.push(
    points.map((p) => ({
      x: p.tMs / 1000,
      y: [
        p.latencyP50S === null ? null : p.latencyP50S * 1000,
        p.latencyP99S === null ? null : p.latencyP99S * 1000,
        p.lag,
      ],
    })),
  );
  lastOps = points[points.length - 1] ?? lastOps;
  counts.ops += points.length;
}
function addWindows(points: readonly WindowPoint[]): void {
  charts?.selected.push(
    points.map((p) => ({ x: p.tS, y: [p.observedHz, p.expectedHz, p.bandHiHz, p.bandLoHz] })),
  );
  charts?.z.push(points.map((p) => ({ x: p.tS, y: [p.z, info?.excess.zThreshold ?? null] })));
  lastZ = points[points.length - 1]?.z ?? lastZ;
  counts.windows += points.length;
}
function addInput(points: readonly InputRatePoint[]): void {
  charts?.input.push(points.map((p) => ({ x: p.tS, y: [p.hz, p.expectedHz, p.bandHiHz, p.bandLoHz] })));
}
function addAlerts(as: readonly AlertView[]): void {
  alerts = [...alerts, ...as].slice(-200);
  counts.alerts += as.length;
  const ul = $('alerts');
  ul.innerHTML = alerts
    .slice()
    .reverse()
    .map(
      (a) =>
        `<li class="alert${a.alertId === selectedAlert ? ' sel' : ''}" data-alert="${esc(a.alertId)}">${timeOf(a.windowEndS)} ${esc(a.method)} Z ${a.z.toFixed(1)} · ${a.observed} obs / ${a.expected.toFixed(1)} exp</li>`,
    )
    .join('');
  charts?.selected.render(true);
  charts?.z.render(true);
}
function candidateItem(c: CandidateSummary): string {
  const sel = c.eventId === shownEvent ? ' sel' : '';
  return `<li class="${sel}" data-event="${esc(c.eventId)}">${timeOf(c.tS)} E ${c.energyGeV.toFixed(1)} GeV · d ${c.dCm.toFixed(1)} cm · ${c.nHits} hits${c.alertId === undefined ? '' : '<span class="badge">alert</span>'}</li>`;
}
function addCandidates(cs: readonly CandidateSummary[]): void {
  candidates = [...candidates, ...cs].slice(-MAX_LIST);
  if (selectedAlert === undefined)
    $('candidates').innerHTML = candidates.slice().reverse().map(candidateItem).join('');
}

function showEvent(d: CandidateDetail): void {
  shownEvent = d.eventId;
  counts.events++;
  $('event-title').textContent = `${d.eventId} · ${new Date(d.tS * 1000).toISOString()}`;
  const rows: [string, string][] = [
    ['E', `${fmt(d.energyGeV, 1)} GeV`],
    ['vertex d', `${fmt(d.dCm)} cm`],
    ['x', `${fmt(d.xCm)} cm`],
    ['y', `${fmt(d.yCm)} cm`],
    ['hits', String(d.nHits)],
    ['stations', String(d.stationsUsed)],
    ['fit rms', `${fmt(d.fitRmsCm, 3)} cm`],
    ['alert', d.alertId ?? '–'],
  ];
  if (d.truthClass !== undefined) rows.push(['truth', d.truthClass]);
  if (d.probabilities !== undefined) {
    const p = Object.entries(d.probabilities).sort((a, b) => b[1] - a[1]);
    rows.push(['P(class)', p.map(([k, v]) => `${k} ${fmt(v, 2)}`).join(' · ')]);
  }
  $('event-info').innerHTML =
    rows.map(([k, v]) => `<div><span class="dim">${k}</span> <b>${esc(v)}</b></div>`).join('') +
    `<div class="reasons">${d.reasons.map(esc).join(' · ')}</div>`;
  view?.show(d);
  document.body.dataset['event'] = d.eventId;
  document
    .querySelectorAll('#candidates li')
    .forEach((li) => li.classList.toggle('sel', (li as HTMLElement).dataset['event'] === d.eventId));
}

async function pickCandidate(id: string): Promise<void> {
  const r = await fetch(`/display/api/candidate?id=${encodeURIComponent(id)}`);
  if (!r.ok) return void ($('event-title').textContent = `${id}: no longer kept`);
  pinned = true;
  ($('follow') as HTMLButtonElement).disabled = false;
  showEvent((await r.json()) as CandidateDetail);
}

async function pickAlert(id: string): Promise<void> {
  const r = await fetch(`/display/api/alert?id=${encodeURIComponent(id)}`);
  if (!r.ok) return;
  const d = (await r.json()) as AlertDetail;
  selectedAlert = id;
  const a = d.alert;
  $('alert-detail').innerHTML =
    `<b>${esc(a.alertId)}</b><br>${esc(a.method)}: ${a.observed} selected in ${timeOf(a.windowStartS)}–${timeOf(a.windowEndS)} against ${a.expected.toFixed(2)} expected; ` +
    `Z ${a.z.toFixed(2)}, p ${a.p.toExponential(2)}. ${d.candidates.length} candidates of its window kept, the most energetic first (listed right).`;
  $('candidates').innerHTML = d.candidates.map(candidateItem).join('');
  addAlerts([]);
  const first = d.candidates[0];
  if (first !== undefined) await pickCandidate(first.eventId);
}

function headline(): void {
  const o = lastOps;
  $('headline').innerHTML = [
    `input <b>${fmt(o?.inputHz, 0)}</b>/s`,
    `selected <b>${fmt(o?.selectedHz, 1)}</b>/s`,
    `Z <b>${fmt(lastZ)}</b>`,
    `alerts <b>${alerts.length}</b>`,
    `latency p99 <b>${o?.latencyP99S == null ? '–' : (o.latencyP99S * 1000).toFixed(0)}</b> ms`,
    `lag <b>${o?.lag ?? '–'}</b>`,
    `dead letters <b>${o?.deadLettersTotal ?? 0}</b>`,
  ].join(' ');
  Object.assign(document.body.dataset, {
    ops: String(counts.ops),
    windows: String(counts.windows),
    alerts: String(counts.alerts),
    events: String(counts.events),
  });
}

function onMessage(m: ServerMessage): void {
  switch (m.type) {
    case 'hello':
      setup(m.info);
      addOps(m.ops);
      addWindows(m.windows);
      addInput(m.input);
      alerts = [];
      addAlerts(m.alerts);
      addCandidates(m.candidates);
      if (m.latest !== null && !pinned) showEvent(m.latest);
      if (m.anomaly !== undefined) addAnomalies(m.anomaly.events, m.anomaly.rate);
      break;
    case 'anomalies':
      return addAnomalies(m.events, m.rate);
    case 'ops':
      return addOps([m.point]);
    case 'windows':
      return addWindows(m.points);
    case 'input':
      return addInput(m.points);
    case 'alerts':
      return addAlerts(m.alerts);
    case 'candidates':
      return addCandidates(m.candidates);
    case 'event':
      if (!pinned) showEvent(m.detail);
      return;
  }
}

function connect(): void {
  const es = new EventSource('/display/events');
  const conn = $('conn');
  es.onopen = () => ((conn.textContent = 'live'), (conn.className = 'conn live'));
  es.onerror = () => ((conn.textContent = 'reconnecting…'), (conn.className = 'conn lost'));
  es.onmessage = (ev: MessageEvent<string>) => onMessage(JSON.parse(ev.data) as ServerMessage);
}

$('alerts').addEventListener('click', (ev) => {
  const id = (ev.target as HTMLElement).closest('li')?.dataset['alert'];
  if (id !== undefined) void pickAlert(id);
});
$('candidates').addEventListener('click', (ev) => {
  const id = (ev.target as HTMLElement).closest('li')?.dataset['event'];
  if (id !== undefined) void pickCandidate(id);
});
$('follow').addEventListener('click', () => {
  pinned = false;
  selectedAlert = undefined;
  $('alert-detail').textContent = '';
  ($('follow') as HTMLButtonElement).disabled = true;
  addAlerts([]);
  addCandidates([]);
});
const frame = (): void => {
  if (charts !== undefined) for (const c of Object.values(charts)) c.render();
  headline();
  setTimeout(() => requestAnimationFrame(frame), 250);
};
connect();
frame();
