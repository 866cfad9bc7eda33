/**
 * The model card written beside a trained model (pure text from the training's own measurements).
 */
import type { SimulationConfig } from '../config/index.js';
import type { InputSpec, NetArchitecture, TrainConfig } from '../reconstruction/index.js';
import type { TrainingResult } from './training.js';

export interface ModelCardInput {
  readonly name: string;
  readonly command: string;
  readonly spec: InputSpec;
  readonly pixelPitchMm: number;
  readonly architecture: NetArchitecture;
  readonly train: TrainConfig;
  readonly events: number;
  readonly seed: number;
  readonly evalEvents: number;
  readonly evalSeed: number;
  readonly backend: string;
  readonly parameters: number;
  readonly simulation: SimulationConfig;
  readonly result: TrainingResult;
}

export function modelCard(c: ModelCardInput): string {
  const s = c.spec;
  const r = c.result;
  const resp = c.simulation.response;
  const widths = Array.from(
    { length: c.architecture.blocks },
    (_, b) => c.architecture.width * Math.min(4, 2 ** b),
  ).join('/');
  const lines = [
    `# Model card: ${c.name}`,
    '',
    'Written by `showertrig train` from its own measurements.',
    '',
    `- Command: \`${c.command}\`.`,
    '- Task: shower energy E and longitudinal vertex d from digitised TT hits (SHiP-like target tracker), signal showers.',
    `- Detector response of the training data (response version 2: photoelectrons, cross-talk, saturation, noise, threshold, ADC): ` +
      `${resp.photoelectronsPerMip} pe/MIP, cross-talk ${resp.crossTalkProbability}, ${resp.sipmCellsPerPixel} SiPM cells/pixel, noise ${resp.electronicNoisePe} pe, ` +
      `threshold ${resp.thresholdPe} pe, ${resp.adcCountsPerPe} ADC/pe up to ${resp.adcMax}; multiplicity ${c.simulation.countFluctuation}` +
      `${fluctuationText(c.simulation)}; ${c.simulation.darkHitsPerStation} dark-noise hits/station.`,
    `- Image input: ${s.size}×${s.size} bins × ${s.nStations} stations (channels), ${s.pixelsPerBin}×${s.pixelsPerBin} pixels per bin ` +
      `(${((s.size * s.pixelsPerBin * c.pixelPitchMm) / 10).toFixed(1)} cm window)` +
      (s.core === true
        ? `, and as ${s.nStations} more channels each station's native pixels in a ${s.size}×${s.size}-pixel (${((s.size * c.pixelPitchMm) / 10).toFixed(1)} cm) core window around the same centre`
        : '') +
      `; log(1 + ADC sum); window centred on the densest region of the busiest station.`,
    r.featureInput === undefined
      ? '- Second input: none.'
      : `- Second input: the ${r.featureInput.mean.length} values of the "${r.featureInput.set}" features of the baselines${r.featureInput.boosted === undefined ? '' : ` plus ln E and d of boosted trees on them (stacked; ${r.featureInput.boosted.trainedOn} events of seed ${c.seed + 2}, disjoint from the net's training events; trees stored in model.json)`}, standardised with the training sample's mean and scale.`,
    `- Architecture: ${c.architecture.blocks} × [CoordConv 3×3 (x, y, r channels) → batch norm → ReLU → max-pool 2×2], widths ${widths}, ` +
      `dense ${c.architecture.denseUnits} ReLU${r.featureInput === undefined ? '' : ` (features: dense ${c.architecture.denseUnits}, joined, two dense ${c.architecture.denseUnits})`}, heads energy (log10(E/GeV)−1) and vertex (d/3.75 cm+1).`,
    `- Parameters stored: ${c.parameters}.`,
    `- Loss: Huber (δ=1) on both scaled targets; Adam lr ${c.train.learningRate} × ${c.train.lrDecayPerEpoch}^epoch; L2 ${c.train.l2Initial} halved every ${c.train.l2HalvingEpochs} epochs; early stopping patience ${c.train.patience}.`,
    `- Training data: ${c.events} simulated signal events (seed ${c.seed}, E uniform ${c.simulation.energyRangeGeV.join('–')} GeV, d uniform [${c.simulation.dRangeCm.join(', ')}] cm), ${r.nValidation} of them for validation.`,
    `- Training: ${r.reports.length} epochs, batch ${c.train.batchSize}, ${(r.trainSeconds / 60).toFixed(1)} min on tfjs backend ${c.backend} (shared 2-core machine); best validation epoch ${r.best.epoch}.`,
    `- Validation (best epoch, ${r.best.val.n} events, plain std): σ(ΔE/E) = ${r.best.val.sigmaERel.toFixed(4)}, σ(d) = ${r.best.val.sigmaDCm.toFixed(4)} cm.`,
  ];
  lines.push(
    r.calibration === undefined
      ? '- Energy calibration: none stored.'
      : `- Energy calibration (stored in model.json, applied at inference): E · c(ln E) inverting the response in bins of true energy (${r.calibration.factor.length} knots), fitted on fresh events of seed ${c.seed + 1}; factors ${Math.min(...r.calibration.factor).toFixed(3)}–${Math.max(...r.calibration.factor).toFixed(3)}.`,
  );
  const e = r.evaluation;
  if (e !== undefined) {
    lines.push(
      `- Fresh events (${c.evalEvents}, seed ${c.evalSeed}; frames identical to a training frame: ${e.identicalToTraining}), plain std: σ(ΔE/E) = ${e.sigmaERel.toFixed(4)} (mean ${e.meanERel.toFixed(4)}), ` +
        `σ(d) = ${e.sigmaDCm.toFixed(4)} cm (mean ${e.meanDCm.toFixed(4)} cm). The full evaluation with the baselines is reports/evaluation.md.`,
      `- Inference (${c.backend}, batch 64, incl. preprocessing): ${e.inferenceMsPerEvent.toFixed(4)} ms/event = ${e.inferenceEventsPerSecond.toFixed(0)} events/s.`,
    );
  }
  lines.push(
    '',
    '## Training history',
    '',
    '| epoch | train loss | val loss | val σ(ΔE/E) | val σ(d) cm | lr | L2 | events/s |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const x of r.reports) {
    lines.push(
      `| ${x.epoch} | ${x.trainLoss.toFixed(4)} | ${x.valLoss.toFixed(4)} | ${x.val.sigmaERel.toFixed(4)} | ${x.val.sigmaDCm.toFixed(4)} | ${x.learningRate.toExponential(2)} | ${x.l2.toExponential(2)} | ${x.eventsPerSecond.toFixed(0)} |`,
    );
  }
  return lines.join('\n') + '\n';
}

/** The shower fluctuation model in words, with its parameters. */
export function fluctuationText(sim: SimulationConfig): string {
  if (sim.countFluctuation === 'negative-binomial') return ` (k = ${sim.negBinomialK})`;
  if (sim.countFluctuation === 'poisson') return '';
  const f = sim.fluctuations;
  return ` (plane Fano factor ${f.planeFanoFactor}, GFlash profile spreads × ${f.profileSpreadScale}, lateral radius spread ${f.lateralRadiusSpread})`;
}
