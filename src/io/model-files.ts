/**
 * tfjs IOHandler for a model directory on the local file system, in the standard tfjs layers
 * format: <dir>/model.json (topology, weightsManifest, userDefinedMetadata) + <dir>/weights.bin.
 * Loadable by any tfjs (tf.loadLayersModel('file://…') in tfjs-node reads the same files).
 * Saving writes to temporary files and renames them, so a reader never sees half a checkpoint.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ModelError } from '../domain/index.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

function toBuffer(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  const parts = Array.isArray(data) ? data : [data];
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), o);
    o += p.byteLength;
  }
  return out;
}

function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** An IOHandler that saves to and loads from `dir`. */
export function modelDirectory(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer)
        throw new ModelError('modelDirectory: binary topologies are not supported');
      mkdirSync(dir, { recursive: true });
      const weights =
        artifacts.weightData === undefined
          ? new Uint8Array(0)
          : toBuffer(artifacts.weightData as ArrayBuffer | ArrayBuffer[]);
      const manifest: tf.io.WeightsManifestConfig = [
        { paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] },
      ];
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        weightsManifest: manifest,
        ...(artifacts.format === undefined ? {} : { format: artifacts.format }),
        ...(artifacts.generatedBy === undefined ? {} : { generatedBy: artifacts.generatedBy }),
        ...(artifacts.convertedBy == null ? {} : { convertedBy: artifacts.convertedBy }),
        ...(artifacts.trainingConfig === undefined ? {} : { trainingConfig: artifacts.trainingConfig }),
        ...(artifacts.userDefinedMetadata === undefined
          ? {}
          : { userDefinedMetadata: artifacts.userDefinedMetadata }),
      };
      // Weights first: model.json names them, so it is the commit point.
      writeAtomic(join(dir, WEIGHTS_BIN), weights);
      writeAtomic(join(dir, MODEL_JSON), JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonPath = join(dir, MODEL_JSON);
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(readFileSync(jsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (e) {
        throw new ModelError(`cannot read ${jsonPath}: ${(e as Error).message}`, {
          context: { path: jsonPath },
          cause: e,
        });
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: Uint8Array[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const path = join(dirname(jsonPath), p);
            try {
              buffers.push(readFileSync(path));
            } catch (e) {
              throw new ModelError(`cannot read weights ${path}: ${(e as Error).message}`, {
                context: { path },
                cause: e,
              });
            }
          }
        }
        const all = toBuffer(
          buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer),
        );
        return [specs, all.buffer as ArrayBuffer];
      });
    },
  };
}
