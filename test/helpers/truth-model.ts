/**
 * An energy/vertex model that answers from a table (e.g. the simulation truth), for tests about
 * everything around the CNN: clustering, track choice, selection and what is shown of them are real.
 */
import type { Hits } from '../../src/domain/index.js';
import type { EnergyVertexModel } from '../../src/reconstruction/index.js';

export function tableModel(values: ReadonlyMap<Hits, { e: number; d: number }>): EnergyVertexModel {
  return {
    info: { name: 'table', backend: 'none' },
    dispose: () => undefined,
    predict: async (hits) => ({
      energyGeV: Float32Array.from(hits, (h) => values.get(h)?.e ?? 10),
      dCm: Float32Array.from(hits, (h) => values.get(h)?.d ?? -3),
    }),
  };
}
