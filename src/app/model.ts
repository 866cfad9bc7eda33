/**
 * Loading the shipped (or a given) CNN model for the commands that reconstruct: trigger runtime,
 * evaluation, benchmarks. TensorFlow is imported on first use, so commands that never
 * reconstruct (simulate, record, inspect) do not pay for loading it.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendChoice } from '../config/index.js';
import type { DetectorGeometry } from '../domain/index.js';
import type { BackendChoiceResult, ClassifierKind, CnnModel } from '../reconstruction/index.js';

/** The installed package (dist/app/.. or src/app/..): where the shipped models/ live. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A relative model directory is looked up in the working directory, then in the package. */
export function resolveModelDir(dir: string): string {
  if (isAbsolute(dir) || existsSync(dir)) return dir;
  const shipped = resolve(PACKAGE_ROOT, dir);
  return existsSync(shipped) ? shipped : dir;
}

/** Starts the configured tfjs backend and loads a CNN model directory (model.json + weights.bin). */
export async function loadCnnModel(
  dir: string,
  geometry: DetectorGeometry,
  backend: BackendChoice,
  hint: (line: string) => void = printHintOnce,
): Promise<CnnModel> {
  // One TensorFlow intra-op thread unless the user chose otherwise, set before the native library
  // starts its thread pools: the net is too small to gain from more (bench-backends: 2 threads are
  // no faster per event), and the cores are left to the prepare workers (reconstruction.threads);
  // the measured effect: bench/results/LOG.md, "Threads on this machine".
  process.env['TF_NUM_INTRAOP_THREADS'] ??= '1';
  const [{ modelDirectory, temporarySavedModelStore }, { selectBackend, loadEnergyVertexModel }] =
    await Promise.all([import('../io/index.js'), import('../reconstruction/index.js')]);
  const choice = await selectBackend(backend);
  const line = nativeBackendHint(choice);
  if (line !== undefined) hint(line);
  // On a native backend the net runs as one TensorFlow graph, loaded from a temporary SavedModel.
  return loadEnergyVertexModel(modelDirectory(resolveModelDir(dir)), geometry, {
    savedModels: temporarySavedModelStore(),
  });
}

/**
 * Where `auto` fell back past native TensorFlow because its binding is not built (a fresh install
 * has none: libtensorflow is not downloadable everywhere): the line that says how to build it.
 * Nothing when the operator asked for a backend, or when the native one was built but failed.
 */
export function nativeBackendHint(
  choice: Pick<BackendChoiceResult, 'backend' | 'requested' | 'attempts'>,
): string | undefined {
  if (choice.requested !== 'auto' || choice.backend.startsWith('tensorflow')) return undefined;
  const native = choice.attempts.find((a) => a.backend === 'tensorflow');
  if (native === undefined || !native.error.includes('npm run tf:native')) return undefined;
  return `showertrig: the CNN runs on ${choice.backend}; the native TensorFlow backend (faster) is not built here: npm run tf:native builds it\n`;
}

let hinted = false;
function printHintOnce(line: string): void {
  if (hinted) return;
  hinted = true;
  process.stderr.write(line);
}

/**
 * The event classifier stored beside the CNN (classifier.json in the model directory), when the
 * selection mode asks for it; undefined when the directory has none (the cut list then decides,
 * and the caller says so).
 */
export async function loadEventClassifier(
  dir: string,
  kind: ClassifierKind,
  threshold: number | null | undefined,
): Promise<import('../reconstruction/index.js').EventClassifier | undefined> {
  const file = resolve(resolveModelDir(dir), 'classifier.json');
  if (!existsSync(file)) return undefined;
  const { readFile } = await import('node:fs/promises');
  const { createEventClassifier, parseClassifierFile } = await import('../reconstruction/index.js');
  return createEventClassifier(
    parseClassifierFile(await readFile(file, 'utf8')),
    kind,
    threshold ?? undefined,
  );
}
