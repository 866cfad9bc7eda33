/**
 * One bench-backends measurement process: one tfjs backend at one thread count (TensorFlow reads
 * its thread counts from the environment when it loads, so each count needs its own process).
 * Measures, on prepared inputs (what the Keras script measures too): the net's forward pass per
 * batch size through the layers model and through the fused plan, training events/s for the
 * default net and a larger one, and a square matmul as the backend's peak.
 */
import * as tf from '@tensorflow/tfjs';
import {
  buildEnergyVertexNet, compileInferencePlan, DEFAULT_TRAIN, forwardFlopsPerEvent, runPlan, selectBackend, trainEnergyVertexNet,
  type BackendName, type Dataset, type InputSpec, type NetArchitecture,
} from '../reconstruction/index.js';

export interface WorkerRequest {
  readonly backend: BackendName;
  readonly threads: number;
  readonly batches: readonly number[];
  readonly trainEvents: number;
  readonly largerNet: NetArchitecture;
  readonly reps: number;
}

export interface InferenceRow { readonly execution: 'layers' | 'plan'; readonly batch: number; readonly events_per_second: number }
export interface TrainRow { readonly net: string; readonly flops_per_event: number; readonly events_per_second: number }

export interface WorkerResult {
  readonly backend: string;
  readonly threads: number;
  readonly wasm?: { readonly simd: boolean; readonly threads: boolean; readonly threadCount: number };
  readonly matmul_gflops: number;
  readonly inference: readonly InferenceRow[];
  readonly training: readonly TrainRow[];
}

/** Median of `reps` timed runs after one warm-up run, in ms. */
function timeMs(reps: number, f: () => void): number {
  f();
  const t: number[] = [];
  for (let r = 0; r < reps; r++) {
    const a = performance.now();
    f();
    t.push(performance.now() - a);
  }
  return t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!;
}

/** GFLOP/s of an n×n×n matmul, data read back included (it is tiny next to 2n³). */
function matmulPeak(reps: number): number {
  const n = 512;
  const a = tf.randomNormal([n, n]), b = tf.randomNormal([n, n]);
  const ms = timeMs(reps, () => tf.tidy(() => tf.matMul(a, b)).dispose());
  const msSync = timeMs(reps, () => { const c = tf.matMul(a, b); c.dataSync(); c.dispose(); });
  tf.dispose([a, b]);
  return (2 * n ** 3) / (Math.max(ms, msSync) * 1e6);
}

/** Measures on the requested backend; loadNet runs after the backend is selected, so the weights live there. */
export async function runWorker(req: WorkerRequest, loadNet: () => Promise<tf.LayersModel>, arch: NetArchitecture, spec: InputSpec, inputs: Float32Array, train: Dataset): Promise<WorkerResult> {
  const choice = await selectBackend(req.backend);
  const net = await loadNet();
  const per = spec.size * spec.size * spec.nStations;
  const n = inputs.length / per;
  const compiled = compileInferencePlan(net);
  if (compiled.plan === undefined) throw new Error(`no fused plan for the model: ${compiled.reason}`);
  const plan = compiled.plan;
  const inference: InferenceRow[] = [];
  for (const batch of req.batches) {
    const nb = Math.floor(n / batch);
    for (const execution of ['layers', 'plan'] as const) {
      const ms = timeMs(req.reps, () => {
        for (let b = 0; b < nb; b++) {
          const x: tf.Tensor[] = [tf.tensor4d(inputs.subarray(b * batch * per, (b + 1) * batch * per), [batch, spec.size, spec.size, spec.nStations])];
          // A two-input model also takes the standardised feature row: zeros (the mean) time the net alone.
          if (net.inputs.length > 1) x.push(tf.zeros([batch, net.inputs[1]!.shape[1]!]));
          const outs = execution === 'plan' ? runPlan(plan, x) : ([] as tf.Tensor[]).concat(net.predict(x.length > 1 ? x : x[0]!, { batchSize: batch }) as tf.Tensor[]);
          for (const o of outs) o.dataSync();
          tf.dispose([...x, ...outs]);
        }
      });
      inference.push({ execution, batch, events_per_second: (nb * batch) / (ms / 1000) });
    }
  }
  plan.dispose();
  net.dispose();
  const training: TrainRow[] = [];
  for (const [name, a] of [['default', arch], ['larger', req.largerNet]] as const) {
    const model = buildEnergyVertexNet(spec, a);
    // Two one-epoch runs: the first warms up (kernels, allocations), the second is measured.
    const cfg = { ...DEFAULT_TRAIN, epochs: 1, batchSize: 64, patience: 10 };
    await trainEnergyVertexNet(model, spec, train, train, cfg);
    const r = await trainEnergyVertexNet(model, spec, train, train, cfg);
    training.push({ net: `${name} ${JSON.stringify(a)}`, flops_per_event: forwardFlopsPerEvent(model), events_per_second: r[0]!.eventsPerSecond });
    model.dispose();
  }
  return { backend: choice.backend, threads: req.threads, ...(choice.wasm ? { wasm: choice.wasm } : {}), matmul_gflops: matmulPeak(req.reps), inference, training };
}
