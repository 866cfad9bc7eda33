/**
 * The anomaly panel: the newest events over the anomaly threshold (score, dominant station,
 * whether the selection took them too) and the anomaly rate against its budget, with the largest
 * station drift. Shown only once the trigger runs the anomaly path.
 */
import type { AnomalyRatePoint, AnomalyView } from '../../src/display/protocol.js';

const MAX_LIST = 50;
let events: AnomalyView[] = [];
let last: AnomalyRatePoint | undefined;

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function addAnomalies(list: readonly AnomalyView[], rate: readonly AnomalyRatePoint[]): void {
  const panel = document.getElementById('anomaly');
  if (panel === null) return;
  panel.hidden = false;
  events = [...list.slice().reverse(), ...events].slice(0, MAX_LIST);
  last = rate.at(-1) ?? last;
  const head = document.getElementById('anomaly-rate')!;
  if (last !== undefined) {
    const over = last.rateHz > 3 * last.budgetHz;
    const drift = Math.max(...last.drift);
    head.innerHTML =
      `rate <b class="${over ? 'bad' : ''}">${last.rateHz.toFixed(2)}</b> Hz against a budget of ${last.budgetHz} Hz` +
      ` · largest station drift ${drift.toFixed(2)} (station ${last.drift.indexOf(drift)})`;
  }
  document.getElementById('anomalies')!.innerHTML = events
    .map(
      (a) =>
        `<li data-event="${esc(a.eventId)}">${new Date(a.tS * 1000).toISOString().slice(11, 19)} ` +
        `score <b>${a.score.toFixed(3)}</b> / ${a.threshold.toFixed(3)} · station ${a.dominantStation} · ${esc(a.status)}` +
        `${a.selected ? ' · selected' : ''}</li>`,
    )
    .join('');
  document.body.dataset['anomalies'] = String(events.length);
}
