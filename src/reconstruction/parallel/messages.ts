/**
 * What crosses between the reconstruction's threads: a chunk of hits packed into five flat
 * buffers (transferred, not copied), and the prepared chunk back. Hits of a frame are often views
 * into a larger decoded buffer: posting them as they are would clone that whole buffer per event.
 */
import type { DetectorGeometry, Hits } from '../../domain/index.js';
import type { TransverseConfig } from '../clustering/index.js';
import type { ModelInputSpec } from '../cnn/model-inputs.js';
import type { ModelInputs, PreparedEvent } from '../prepare.js';

/** workerData of a prepare worker: everything it needs to build its EventPreparer. */
export interface PrepareWorkerData {
  readonly geometry: DetectorGeometry;
  readonly transverse: TransverseConfig;
  readonly spec?: ModelInputSpec;
}

/** Hits of n events: event e's hits are [offsets[e], offsets[e + 1]) of the four arrays. */
export interface PackedHits {
  readonly offsets: Int32Array;
  readonly station: Uint8Array;
  readonly ix: Int32Array;
  readonly iy: Int32Array;
  readonly count: Int32Array;
}

export interface PrepareRequest {
  readonly id: number;
  readonly hits: PackedHits;
}

export type PrepareReply =
  | {
      readonly id: number;
      readonly ok: true;
      readonly events: PreparedEvent[];
      readonly inputs?: ModelInputs;
    }
  | { readonly id: number; readonly ok: false; readonly message: string };

export function packHits(hits: readonly Hits[]): PackedHits {
  const offsets = new Int32Array(hits.length + 1);
  for (let e = 0; e < hits.length; e++) offsets[e + 1] = offsets[e]! + hits[e]!.station.length;
  const total = offsets[hits.length]!;
  const packed = {
    offsets,
    station: new Uint8Array(total),
    ix: new Int32Array(total),
    iy: new Int32Array(total),
    count: new Int32Array(total),
  };
  for (let e = 0; e < hits.length; e++) {
    const h = hits[e]!;
    const o = offsets[e]!;
    packed.station.set(h.station, o);
    packed.ix.set(h.ix, o);
    packed.iy.set(h.iy, o);
    packed.count.set(h.count, o);
  }
  return packed;
}

/** Views into the packed buffers, one Hits per event (no copy). */
export function unpackHits(p: PackedHits): Hits[] {
  const out: Hits[] = [];
  for (let e = 0; e + 1 < p.offsets.length; e++) {
    const a = p.offsets[e]!;
    const b = p.offsets[e + 1]!;
    out.push({
      station: p.station.subarray(a, b),
      ix: p.ix.subarray(a, b),
      iy: p.iy.subarray(a, b),
      count: p.count.subarray(a, b),
    });
  }
  return out;
}

export function packedBuffers(p: PackedHits): ArrayBuffer[] {
  return [p.offsets.buffer, p.station.buffer, p.ix.buffer, p.iy.buffer, p.count.buffer] as ArrayBuffer[];
}

/** The buffers of a prepared chunk's inputs, to transfer with the reply. */
export function inputBuffers(inputs: ModelInputs | undefined): ArrayBuffer[] {
  if (inputs === undefined) return [];
  const out = [inputs.images.buffer as ArrayBuffer];
  if (inputs.features !== undefined) out.push(inputs.features.buffer as ArrayBuffer);
  return out;
}
