/**
 * More energy/vertex models scored on the events an evaluation accepted (side by side with its
 * primary), in batches of the reconstruction's size.
 */
import type { Hits } from '../../domain/index.js';
import type { EnergyVertexModel } from '../../reconstruction/index.js';

export async function predictOthers(
  others: readonly { readonly label: string; readonly model: EnergyVertexModel }[],
  events: readonly { hits: Hits }[],
  batchSize: number,
): Promise<{ name: string; energyGeV: Float64Array; dCm: Float64Array }[]> {
  const out = [];
  for (const { label, model } of others) {
    const energyGeV = new Float64Array(events.length);
    const dCm = new Float64Array(events.length);
    for (let a = 0; a < events.length; a += batchSize) {
      const p = await model.predict(events.slice(a, a + batchSize).map((e) => e.hits));
      energyGeV.set(p.energyGeV, a);
      dCm.set(p.dCm, a);
    }
    out.push({ name: label, energyGeV, dCm });
  }
  return out;
}
