/**
 * In-memory training data: prepared CNN inputs stored sparsely (most bins of a window are empty),
 * so tens of thousands of events fit in a few tens of MB instead of gigabytes, plus the targets.
 */
import { ContractError } from '../../domain/index.js';
import type { DetectorGeometry, Hits } from '../../domain/index.js';
import { buildInputs, inputLength, type InputSpec } from './preprocess.js';

export class SparseInputs {
  readonly per: number;
  private offsets: number[] = [0];
  private index = new Uint32Array(1 << 16);
  private value = new Float32Array(1 << 16);
  private used = 0;

  constructor(spec: InputSpec) {
    this.per = inputLength(spec);
  }

  get length(): number {
    return this.offsets.length - 1;
  }

  /** Appends one dense event window (length per). */
  push(dense: Float32Array): void {
    if (dense.length !== this.per)
      throw new ContractError(`SparseInputs.push: ${dense.length} != ${this.per}`);
    for (let j = 0; j < dense.length; j++) {
      const v = dense[j]!;
      if (v === 0) continue;
      if (this.used === this.index.length) this.grow();
      this.index[this.used] = j;
      this.value[this.used] = v;
      this.used++;
    }
    this.offsets.push(this.used);
  }

  /** Writes events order[start..start+count) densely into out (count × per). */
  fill(order: ArrayLike<number>, start: number, count: number, out: Float32Array): void {
    out.fill(0, 0, count * this.per);
    for (let k = 0; k < count; k++) {
      const e = order[start + k]!;
      const base = k * this.per;
      for (let p = this.offsets[e]!; p < this.offsets[e + 1]!; p++)
        out[base + this.index[p]!] = this.value[p]!;
    }
  }

  /** Stored non-zero bins (memory ≈ 8 bytes each). */
  get nonZero(): number {
    return this.used;
  }

  private grow(): void {
    const idx = new Uint32Array(this.index.length * 2);
    idx.set(this.index);
    this.index = idx;
    const val = new Float32Array(this.value.length * 2);
    val.set(this.value);
    this.value = val;
  }
}

export interface Dataset {
  readonly inputs: SparseInputs;
  readonly energyGeV: Float32Array;
  readonly dCm: Float32Array;
  /** Standardised feature rows (n × nFeatures) for a two-input net; absent for an image-only net. */
  readonly features?: Float32Array;
  readonly nFeatures?: number;
}

/** The dataset with feature rows attached (n × nFeatures, already standardised). */
export function withFeatures(d: Dataset, features: Float32Array, nFeatures: number): Dataset {
  if (features.length !== d.energyGeV.length * nFeatures)
    throw new RangeError(`withFeatures: ${features.length} values for ${d.energyGeV.length} × ${nFeatures}`);
  return { ...d, features, nFeatures };
}

/** Builds a dataset from events (hits + truth), preprocessing each window once. */
export function datasetFrom(
  events: readonly { hits: Hits; energyGeV: number; dCm: number }[],
  geometry: DetectorGeometry,
  spec: InputSpec,
): Dataset {
  const inputs = new SparseInputs(spec);
  const buf = new Float32Array(inputLength(spec));
  const energyGeV = new Float32Array(events.length);
  const dCm = new Float32Array(events.length);
  events.forEach((ev, i) => {
    inputs.push(buildInputs([ev.hits], geometry, spec, buf));
    energyGeV[i] = ev.energyGeV;
    dCm[i] = ev.dCm;
  });
  return { inputs, energyGeV, dCm };
}

/** Wraps dense inputs (n × per) as a dataset (tests, small sets). */
export function datasetFromDense(
  x: Float32Array,
  energyGeV: Float32Array,
  dCm: Float32Array,
  spec: InputSpec,
): Dataset {
  const inputs = new SparseInputs(spec);
  for (let i = 0; i < energyGeV.length; i++) inputs.push(x.subarray(i * inputs.per, (i + 1) * inputs.per));
  return { inputs, energyGeV, dCm };
}
