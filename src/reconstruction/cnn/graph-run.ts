/**
 * Runs an inference plan as one TensorFlow graph on the native backend: the plan is written as a
 * SavedModel (graph-def.ts) into a directory the caller's store provides, loaded into a session
 * through tfjs-node (tf.node.loadSavedModel), and the directory is removed as soon as the session
 * holds the graph (loading reads it once). Each batch is then one session call.
 * The store is injected: this module does no file I/O itself.
 */
import type * as tf from '@tensorflow/tfjs';
import { nativeSavedModelApi, type NativeSavedModel } from './backend.js';
import { planGraph, SERVE_TAG, SIGNATURE } from './graph-def.js';
import type { InferencePlan } from './inference-plan.js';

/** Where a SavedModel is written for loading: a fresh directory with the given files, removed by remove(). */
export interface SavedModelStore {
  create(files: Readonly<Record<string, Uint8Array>>): { readonly path: string; remove(): void };
}

export interface GraphRunner {
  /** "51 nodes, one session call per batch" */
  readonly summary: string;
  /** The model outputs in plan.outputs order, each [n, width], owned by the caller. */
  run(inputs: readonly tf.Tensor[]): tf.Tensor[];
  /** Frees the TensorFlow session. */
  dispose(): void;
}

export type GraphResult =
  | { readonly graph: GraphRunner; readonly reason?: undefined }
  | { readonly graph: undefined; readonly reason: string };

/** Loads `plan` as a graph session, or says why it cannot (not native, the graph does not load …). */
export async function loadPlanGraph(plan: InferencePlan, store: SavedModelStore): Promise<GraphResult> {
  const native = nativeSavedModelApi();
  if (native.api === undefined) return { graph: undefined, reason: native.reason };
  let built: ReturnType<typeof planGraph>;
  try {
    built = planGraph(plan);
  } catch (e) {
    return { graph: undefined, reason: `the graph cannot be built: ${(e as Error).message}` };
  }
  let session: NativeSavedModel;
  const dir = store.create({ 'saved_model.pb': built.savedModel });
  try {
    session = await native.api.loadSavedModel(dir.path, [SERVE_TAG], SIGNATURE);
  } catch (e) {
    return {
      graph: undefined,
      reason: `TensorFlow did not load the graph: ${(e as Error).message.split('\n')[0]}`,
    };
  } finally {
    dir.remove();
  }
  const { inputKeys, outputKeys } = built;
  let disposed = false;
  return {
    graph: {
      summary: `${built.nodes} nodes, one session call per batch`,
      run(inputs) {
        if (disposed) throw new Error('graph runner used after dispose()');
        if (inputs.length !== inputKeys.length)
          throw new RangeError(`graph: ${inputs.length} inputs for a graph of ${inputKeys.length}`);
        const out = session.predict(Object.fromEntries(inputKeys.map((k, i) => [k, inputs[i]!])));
        return outputKeys.map((k) => out[k]!);
      },
      dispose() {
        if (disposed) return;
        disposed = true;
        session.dispose();
      },
    },
  };
}
