/**
 * tfjs backend selection. Best first: tfjs-node-gpu (CUDA), tfjs-node (libtensorflow), wasm, cpu.
 * The node packages are optional dependencies whose binding exists only where libtensorflow could
 * be downloaded by their install script or was built by `npm run tf:native` (scripts/tf-native.sh),
 * so they are imported dynamically, and only once their binding file is there: importing a package
 * whose binding is missing registers its 155 kernels before failing, and the next one's import
 * then prints a "kernel already registered" line for each.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendError } from '../../domain/index.js';
import { createRequire } from 'node:module';

export type BackendRequest = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export type BackendName = Exclude<BackendRequest, 'auto'>;

export interface BackendChoiceResult {
  /**
   * The backend now active, as the operator names it: 'tensorflow-gpu' (tfjs-node-gpu; it runs on
   * the CPU where no CUDA device is found, see gpuDevice), 'tensorflow', 'wasm' or 'cpu'.
   * tf.getBackend() says 'tensorflow' for both native packages.
   */
  readonly backend: BackendName;
  /** What was asked for, and what was tried and why it was skipped. */
  readonly requested: BackendRequest;
  readonly attempts: readonly { readonly backend: string; readonly error: string }[];
  /** wasm only: SIMD / multithreading availability and thread count. */
  readonly wasm?: { readonly simd: boolean; readonly threads: boolean; readonly threadCount: number };
  /** tensorflow-gpu only: whether TensorFlow found a CUDA device. */
  readonly gpuDevice?: boolean;
}

type Attempt = () => Promise<BackendName>;

// The package names are held in variables so that bundlers and the type checker do not try to
// resolve packages that are, by design, usually absent.
const NODE_GPU_PKG = '@tensorflow/tfjs-node-gpu';
const NODE_PKG = '@tensorflow/tfjs-node';

/** The N-API versions tfjs-node 4.x builds for (its package.json binary.napi_versions), newest first. */
const NAPI_VERSIONS = [8, 7, 6, 5, 4, 3];

let active: BackendName | undefined;

/** The backend selected last (operator's name for it), or tf.getBackend() if none was selected here. */
export function activeBackend(): string {
  const tfjsName = active?.startsWith('tensorflow') === true ? 'tensorflow' : active;
  return active !== undefined && tfjsName === tf.getBackend() ? active : tf.getBackend();
}

/** The package's built binding (lib/napi-v<N>/tfjs_binding.node), or why there is none. */
export function nativeBindingStatus(
  pkg: string,
): { built: true; path: string } | { built: false; reason: string } {
  // require.resolve answers whether a file exists without this pure module doing file I/O.
  const resolve = createRequire(import.meta.url).resolve;
  const command = `npm run tf:native${pkg.endsWith('-gpu') ? ' -- --gpu' : ''}`;
  try {
    resolve(`${pkg}/package.json`);
  } catch {
    return { built: false, reason: `${pkg} is not installed (${command} puts it in place and builds it)` };
  }
  for (const napi of NAPI_VERSIONS) {
    try {
      return { built: true, path: resolve(`${pkg}/lib/napi-v${napi}/tfjs_binding.node`) };
    } catch {
      // not built for this N-API version
    }
  }
  return {
    built: false,
    reason: `${pkg} has no built binding (its libtensorflow download failed or was skipped; build it with ${command})`,
  };
}

/** The native package imported in this process: both register 'tensorflow', and only one libtensorflow can be loaded. */
let nativeLoaded: string | undefined;
/** Its SavedModel API (tf.node.loadSavedModel), the part of tfjs-node graph-run.ts uses. */
let nativeSavedModels: NativeSavedModels | undefined;

/** A loaded SavedModel session (tfjs-node's TFSavedModel): named inputs to named outputs, one session call. */
export interface NativeSavedModel {
  predict(inputs: Record<string, tf.Tensor>): Record<string, tf.Tensor>;
  dispose(): void;
}
export interface NativeSavedModels {
  loadSavedModel(path: string, tags: string[], signature: string): Promise<NativeSavedModel>;
  getNumOfSavedModels(): number;
}

/**
 * tfjs-node's SavedModel loader when a native backend is the active one, or why there is none
 * (the reason names the backend).
 */
export function nativeSavedModelApi():
  { api: NativeSavedModels; reason?: undefined } | { api: undefined; reason: string } {
  if (nativeSavedModels === undefined || tf.getBackend() !== 'tensorflow')
    return { api: undefined, reason: `backend ${activeBackend()} is not native TensorFlow` };
  return { api: nativeSavedModels };
}

async function tryNode(pkg: string): Promise<'tensorflow'> {
  if (nativeLoaded !== undefined && nativeLoaded !== pkg)
    throw new Error(`${nativeLoaded} is already loaded in this process (one native TensorFlow per process)`);
  const status = nativeBindingStatus(pkg);
  if (!status.built) throw new BackendError(status.reason);
  // libtensorflow logs CPU-feature and oneDNN notices at INFO level on load; keep warnings and
  // errors. An operator's own TF_CPP_MIN_LOG_LEVEL wins.
  process.env['TF_CPP_MIN_LOG_LEVEL'] ??= '1';
  const mod = (await import(pkg)) as { node?: NativeSavedModels; default?: { node?: NativeSavedModels } };
  nativeLoaded = pkg;
  nativeSavedModels = mod.node ?? mod.default?.node;
  // tfjs-node registers 'tensorflow' on import; it only works if it shares our tfjs-core instance.
  if (!(await tf.setBackend('tensorflow')))
    throw new BackendError(`${pkg} imported but backend 'tensorflow' failed to initialise`);
  return 'tensorflow';
}

async function tryWasm(): Promise<'wasm'> {
  // Importing registers the 'wasm' backend; in Node it finds its .wasm binaries beside its own
  // dist files, so no setWasmPaths is needed.
  await import('@tensorflow/tfjs-backend-wasm');
  const { registerWasmGradKernels } = await import('./wasm-kernels.js');
  if (!(await tf.setBackend('wasm'))) throw new BackendError("backend 'wasm' failed to initialise");
  registerWasmGradKernels();
  return 'wasm';
}

async function tryCpu(): Promise<'cpu'> {
  if (!(await tf.setBackend('cpu'))) throw new BackendError("backend 'cpu' failed to initialise");
  return 'cpu';
}

const ATTEMPTS: Record<BackendName, Attempt> = {
  'tensorflow-gpu': async () => (await tryNode(NODE_GPU_PKG), 'tensorflow-gpu'),
  tensorflow: () => tryNode(NODE_PKG),
  wasm: tryWasm,
  cpu: tryCpu,
};

/**
 * Activates a backend. 'auto' walks the list best first; an explicit request fails with the
 * reason if that backend cannot start (no silent fallback when the operator asked for one).
 */
export async function selectBackend(requested: BackendRequest = 'auto'): Promise<BackendChoiceResult> {
  // tfjs' console output (the cpu backend's "install our node backend" banner, kernel
  // re-registration warnings) is not ours to print: the chosen backend and why the better ones
  // were skipped are in the result, which the commands log. PROD only silences tfjs' warn/log.
  tf.enableProdMode();
  const order: BackendName[] =
    requested === 'auto' ? ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] : [requested];
  const attempts: { backend: string; error: string }[] = [];
  for (const name of order) {
    try {
      const backend = await ATTEMPTS[name]();
      await tf.ready();
      active = backend;
      const extra =
        backend === 'wasm'
          ? { wasm: await wasmInfo() }
          : backend === 'tensorflow-gpu'
            ? {
                gpuDevice:
                  (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true,
              }
            : {};
      return { backend, requested, attempts, ...extra };
    } catch (e) {
      attempts.push({ backend: name, error: (e as Error).message.split('\n')[0] ?? String(e) });
    }
  }
  const detail = attempts.map((a) => `${a.backend}: ${a.error}`).join('; ');
  throw new BackendError(`no tfjs backend could start (${detail})`);
}

async function wasmInfo(): Promise<{ simd: boolean; threads: boolean; threadCount: number }> {
  const w = await import('@tensorflow/tfjs-backend-wasm');
  return {
    simd: (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean,
    threads: (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) as boolean,
    threadCount: w.getThreadsCount(),
  };
}
