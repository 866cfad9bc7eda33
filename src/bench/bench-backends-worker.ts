/**
 * One bench-backends measurement process: one tfjs backend at one thread count (TensorFlow reads
 * its thread counts from the environment when it loads, so each count needs its own process).
 * Measures, on prepared inputs (what the Keras script measures too): the net's forward pass per
 * batch size through the layers model, the fused plan and (native backends) the plan as one
 * TensorFlow graph — interleaved rep by rep, so that all three see the same machine load —,
 * training events/s for the default net and a larger one, and a square matmul as the backend's peak.
 */
import { median } from '../numerics/index.js';
import * as tf from '@tensorflow/tfjs';
import {
  buildEnergyVertexNet,
  compileInferencePlan,
  DEFAULT_TRAIN,
  forwardFlopsPerEvent,
  inputChannels,
  inputLength,
  loadPlanGraph,
  runPlan,
  selectBackend,
  trainEnergyVertexNet,
  type BackendName,
  type Dataset,
  type GraphRunner,
  type InferencePlan,
  type InputSpec,
  type NetArchitecture,
  type SavedModelStore,
} from '../reconstruction/index.js';

export interface WorkerRequest {
  readonly backend: BackendName;
  readonly threads: number;
  readonly batches: readonly number[];
  readonly trainEvents: number;
  readonly largerNet: NetArchitecture;
  readonly reps: number;
  /** Inference only (the training rows take most of the time). */
  readonly skipTraining?: boolean;
}

export type Execution = 'layers' | 'plan' | 'graph';
export interface InferenceRow {
  readonly execution: Execution;
  readonly batch: number;
  readonly events_per_second: number;
}
export interface TrainRow {
  readonly net: string;
  readonly flops_per_event: number;
  readonly events_per_second: number;
  /** Events over the process's CPU time (all threads) during the measured epoch. */
  readonly events_per_cpu_second?: number;
}

export interface WorkerResult {
  readonly backend: string;
  readonly threads: number;
  readonly wasm?: { readonly simd: boolean; readonly threads: boolean; readonly threadCount: number };
  readonly matmul_gflops: number;
  /** Why there is no graph row (not a native backend, or the graph did not load). */
  readonly graph_unavailable?: string;
  readonly inference: readonly InferenceRow[];
  readonly training: readonly TrainRow[];
}

/** Median of `reps` timed runs after one warm-up run, in ms. */
function timeMs(reps: number, f: () => void): number {
  return interleavedMs(reps, [f])[0]!;
}

/** Each function's median of `reps` timed runs (after one warm-up run each), taking turns rep by rep, in ms. */
function interleavedMs(reps: number, fs: readonly (() => void)[]): number[] {
  fs.forEach((f) => f());
  const t = fs.map(() => [] as number[]);
  for (let r = 0; r < reps; r++) {
    fs.forEach((f, k) => {
      const a = performance.now();
      f();
      t[k]!.push(performance.now() - a);
    });
  }
  return t.map(median);
}

/** GFLOP/s of an n×n×n matmul, data read back included (it is tiny next to 2n³). */
function matmulPeak(reps: number): number {
  const n = 512;
  const a = tf.randomNormal([n, n]),
    b = tf.randomNormal([n, n]);
  const ms = timeMs(reps, () => tf.tidy(() => tf.matMul(a, b)).dispose());
  const msSync = timeMs(reps, () => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  });
  tf.dispose([a, b]);
  return (2 * n ** 3) / (Math.max(ms, msSync) * 1e6);
}

/**
 * The forward pass per batch size through the layers model, the fused plan and (when it loaded) the
 * plan's graph, interleaved rep by rep.
 */
function measureInference(
  req: WorkerRequest,
  net: tf.LayersModel,
  plan: InferencePlan,
  graph: GraphRunner | undefined,
  spec: InputSpec,
  inputs: Float32Array,
  features: Float32Array | undefined,
): InferenceRow[] {
  const per = inputLength(spec);
  const n = inputs.length / per;
  const q = features === undefined ? 0 : features.length / n;
  const run: Record<Execution, (x: tf.Tensor[]) => tf.Tensor[]> = {
    layers: (x) =>
      ([] as tf.Tensor[]).concat(
        net.predict(x.length > 1 ? x : x[0]!, { batchSize: x[0]!.shape[0] }) as tf.Tensor[],
      ),
    plan: (x) => runPlan(plan, x),
    graph: (x) => graph!.run(x),
  };
  const executions: Execution[] = graph === undefined ? ['layers', 'plan'] : ['layers', 'plan', 'graph'];
  const inference: InferenceRow[] = [];
  for (const batch of req.batches) {
    const nb = Math.floor(n / batch);
    // Each pass: every batch uploaded, run and read back, as the trigger does it.
    const pass = (execution: Execution) => (): void => {
      for (let b = 0; b < nb; b++) {
        const x: tf.Tensor[] = [
          tf.tensor4d(inputs.subarray(b * batch * per, (b + 1) * batch * per), [
            batch,
            spec.size,
            spec.size,
            inputChannels(spec),
          ]),
        ];
        if (q > 0) x.push(tf.tensor2d(features!.subarray(b * batch * q, (b + 1) * batch * q), [batch, q]));
        const outs = run[execution](x);
        for (const o of outs) o.dataSync();
        tf.dispose([...x, ...outs]);
      }
    };
    const ms = interleavedMs(req.reps, executions.map(pass));
    executions.forEach((execution, k) =>
      inference.push({ execution, batch, events_per_second: (nb * batch) / (ms[k]! / 1000) }),
    );
  }
  return inference;
}

/** Training events/s of the default net and the larger one: one warm-up epoch, then one measured. */
async function measureTraining(
  req: WorkerRequest,
  arch: NetArchitecture,
  spec: InputSpec,
  train: Dataset,
  val: Dataset,
): Promise<TrainRow[]> {
  const training: TrainRow[] = [];
  const nets = [
    ['default', arch],
    ['larger', req.largerNet],
  ] as const;
  for (const [name, a] of nets) {
    const model = buildEnergyVertexNet(spec, a);
    // Two one-epoch runs: the first warms up (kernels, allocations), the second is measured.
    const cfg = { ...DEFAULT_TRAIN, epochs: 1, batchSize: 64, patience: 10 };
    await trainEnergyVertexNet(model, spec, train, val, cfg);
    const r = (await trainEnergyVertexNet(model, spec, train, val, cfg))[0]!;
    training.push({
      net: `${name} ${JSON.stringify(a)}`,
      flops_per_event: forwardFlopsPerEvent(model),
      events_per_second: r.eventsPerSecond,
      events_per_cpu_second: (r.eventsPerSecond * r.epochSeconds) / r.cpuSeconds,
    });
    model.dispose();
  }
  return training;
}

/**
 * Measures on the requested backend; loadNet runs after the backend is selected, so the weights live there.
 * features: the standardised feature rows of the inference events (two-input nets), n × q.
 */
export async function runWorker(
  req: WorkerRequest,
  loadNet: () => Promise<tf.LayersModel>,
  arch: NetArchitecture,
  spec: InputSpec,
  inputs: Float32Array,
  features: Float32Array | undefined,
  train: Dataset,
  store: SavedModelStore,
  val: Dataset = train,
): Promise<WorkerResult> {
  const choice = await selectBackend(req.backend);
  const net = await loadNet();
  const n = inputs.length / inputLength(spec);
  const q = features === undefined ? 0 : features.length / n;
  if (net.inputs.length > 1 && (features === undefined || net.inputs[1]!.shape[1] !== q))
    throw new Error(`the model takes ${net.inputs[1]!.shape[1]} features per event; ${q} given`);
  const compiled = compileInferencePlan(net);
  if (compiled.plan === undefined) throw new Error(`no fused plan for the model: ${compiled.reason}`);
  const plan = compiled.plan;
  const loaded = await loadPlanGraph(plan, store);
  const inference = measureInference(req, net, plan, loaded.graph, spec, inputs, features);
  loaded.graph?.dispose();
  plan.dispose();
  net.dispose();
  const training = req.skipTraining === true ? [] : await measureTraining(req, arch, spec, train, val);
  return {
    backend: choice.backend,
    threads: req.threads,
    ...(choice.wasm ? { wasm: choice.wasm } : {}),
    matmul_gflops: matmulPeak(req.reps),
    ...(loaded.reason === undefined ? {} : { graph_unavailable: loaded.reason }),
    inference,
    training,
  };
}
