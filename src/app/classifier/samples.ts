/**
 * Labelled samples for the event classifier: n simulated events of every class of the simulator
 * (the domain's class list, so a class added there is picked up here), each class from its own
 * seed, reconstructed by the real reconstructor (CNN + DBSCAN) with the event-class features
 * collected for the reconstructed ones, and the cut selection's decision for every event.
 */
import type { SimulationConfig, TriggerConfig } from '../../config/index.js';
import {
  EVENT_CLASSES,
  Rng,
  type DetectorGeometry,
  type EventClass,
  type HitFrame,
  type RecoEvent,
} from '../../domain/index.js';
import {
  classifierFeatureCount,
  createReconstructor,
  type EnergyVertexModel,
  type ReconstructorConfig,
} from '../../reconstruction/index.js';
import { generateEvent } from '../../sim/index.js';
import { createSelector } from '../../trigger/index.js';

export interface ClassSamples {
  readonly classes: readonly EventClass[];
  readonly nFeatures: number;
  /** Every simulated event: its class index, true energy (GeV), and whether the cuts select it. */
  readonly label: Int32Array;
  readonly trueEnergyGeV: Float64Array;
  readonly cutSelected: Uint8Array;
  /** Reconstructed (status ok) events only: index into the arrays above, and their feature rows (row-major). */
  readonly okIndex: Int32Array;
  readonly features: Float64Array;
  /** Per class: events simulated. */
  readonly perClass: readonly number[];
}

export interface SampleOptions {
  readonly geometry: DetectorGeometry;
  readonly simulation: SimulationConfig;
  readonly trigger: TriggerConfig;
  readonly model: EnergyVertexModel;
  readonly reconstruction: ReconstructorConfig;
  /** Events per class, and the seed (class c draws from seed · 1000 + c). */
  readonly eventsPerClass: number;
  readonly seed: number;
  readonly batchSize?: number;
  readonly progress?: (done: number, total: number) => void;
}

/** The class seed: disjoint Rng streams per class and per sample seed. */
export function classSeed(seed: number, classIndex: number): number {
  return (seed * 1000 + classIndex) >>> 0;
}

export async function buildClassSamples(o: SampleOptions): Promise<ClassSamples> {
  const classes = EVENT_CLASSES;
  const p = classifierFeatureCount(o.geometry.nStations);
  const total = classes.length * o.eventsPerClass;
  const label = new Int32Array(total);
  const trueE = new Float64Array(total);
  const cutSelected = new Uint8Array(total);
  const okIndex: number[] = [];
  const rows: number[] = [];
  let pending: Float64Array[] = [];
  const reco = createReconstructor(o.geometry, o.model, o.reconstruction, {
    classify: (row) => {
      pending.push(row.slice());
      return undefined;
    },
  });
  const selector = createSelector({ selection: o.trigger.selection, geometry: o.geometry });
  const batch = o.batchSize ?? 256;
  let k = 0;
  for (let c = 0; c < classes.length; c++) {
    const rng = new Rng(classSeed(o.seed, c));
    for (let start = 0; start < o.eventsPerClass; start += batch) {
      const m = Math.min(batch, o.eventsPerClass - start);
      const frames: HitFrame[] = [];
      for (let j = 0; j < m; j++) {
        const ev = generateEvent(o.geometry, o.simulation, classes[c]!, rng);
        frames.push({
          runId: 'classifier',
          eventId: `${c}-${start + j}`,
          timestampNs: 0n,
          hits: ev.hits,
          truth: ev.truth,
        });
      }
      pending = [];
      const out: RecoEvent[] = await reco.reconstruct(frames);
      let r = 0;
      for (const e of out) {
        label[k] = c;
        trueE[k] = e.truth?.energyGeV ?? 0;
        cutSelected[k] = selector.select(e).selected ? 1 : 0;
        if (e.status === 'ok') {
          okIndex.push(k);
          for (const v of pending[r++]!) rows.push(v);
        }
        k++;
      }
      o.progress?.(k, total);
    }
  }
  return {
    classes,
    nFeatures: p,
    label,
    trueEnergyGeV: trueE,
    cutSelected,
    okIndex: Int32Array.from(okIndex),
    features: Float64Array.from(rows),
    perClass: classes.map(() => o.eventsPerClass),
  };
}

/** The reconstructed rows as a training set: features, labels, and the event index of each row. */
export function trainingRows(s: ClassSamples): { x: Float64Array; y: Int32Array; n: number; p: number } {
  const y = Int32Array.from(s.okIndex, (i) => s.label[i]!);
  return { x: s.features, y, n: s.okIndex.length, p: s.nFeatures };
}
