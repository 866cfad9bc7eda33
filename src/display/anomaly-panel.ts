/**
 * The live display's anomaly panel state: the newest events over the anomaly threshold and the
 * monitor's rate-against-budget points, in bounded rings, with what arrived since the last flush.
 */
import type { AnomalyEvent } from '../domain/index.js';
import type { AnomalyRatePoint, AnomalyView, ServerMessage } from './protocol.js';
import { Ring } from './series.js';

export interface AnomalyPanel {
  add(events: readonly AnomalyEvent[]): void;
  state(s: {
    readonly tS: number;
    readonly rateHz: number;
    readonly budgetHz: number;
    readonly drift: readonly number[];
  }): void;
  /** What arrived since the last drain, as one message (undefined: nothing). */
  drain(): Extract<ServerMessage, { type: 'anomalies' }> | undefined;
  /** Undefined until the anomaly path has reported anything. */
  snapshot(): { events: AnomalyView[]; rate: AnomalyRatePoint[] } | undefined;
}

export function createAnomalyPanel(maxEvents: number, maxPoints: number): AnomalyPanel {
  const events = new Ring<AnomalyView>(maxEvents);
  const rate = new Ring<AnomalyRatePoint>(maxPoints);
  let pending: { events: AnomalyView[]; rate: AnomalyRatePoint[] } = { events: [], rate: [] };
  let active = false;
  return {
    add(list) {
      for (const a of list) {
        const v: AnomalyView = {
          eventId: a.eventId,
          tS: Number(a.timestampNs / 1_000_000n) / 1000,
          score: a.score,
          threshold: a.threshold,
          perStation: a.perStation,
          dominantStation: a.dominantStation,
          status: a.reco.status,
          energyGeV: a.reco.energyGeV,
          selected: a.selected,
        };
        events.push(v);
        pending.events.push(v);
        active = true;
      }
      if (pending.events.length > maxEvents) pending.events.splice(0, pending.events.length - maxEvents);
    },
    state(s) {
      const p: AnomalyRatePoint = { tS: s.tS, rateHz: s.rateHz, budgetHz: s.budgetHz, drift: [...s.drift] };
      rate.push(p);
      pending.rate.push(p);
      if (pending.rate.length > maxPoints) pending.rate.splice(0, pending.rate.length - maxPoints);
      active = true;
    },
    drain() {
      const p = pending;
      if (p.events.length === 0 && p.rate.length === 0) return undefined;
      pending = { events: [], rate: [] };
      return { type: 'anomalies', ...p };
    },
    snapshot: () => (active ? { events: events.toArray(), rate: rate.toArray() } : undefined),
  };
}
