/**
 * tfjs backend selection. Best first: tfjs-node-gpu (CUDA), tfjs-node (libtensorflow), wasm, cpu.
 * The node packages are optional dependencies that install only where their native library can
 * be downloaded, so they are imported dynamically and their absence is not an error under 'auto'.
 */
import * as tf from '@tensorflow/tfjs';

export type BackendRequest = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendChoiceResult {
  /** tfjs backend name now active: 'tensorflow', 'wasm' or 'cpu'. */
  readonly backend: string;
  /** What was asked for, and what was tried and why it was skipped. */
  readonly requested: BackendRequest;
  readonly attempts: readonly { readonly backend: string; readonly error: string }[];
  /** wasm only: SIMD / multithreading availability and thread count. */
  readonly wasm?: { readonly simd: boolean; readonly threads: boolean; readonly threadCount: number };
}

type Attempt = () => Promise<string>;

// The package names are held in variables so that bundlers and the type checker do not try to
// resolve packages that are, by design, usually absent.
const NODE_GPU_PKG = '@tensorflow/tfjs-node-gpu';
const NODE_PKG = '@tensorflow/tfjs-node';

async function tryNode(pkg: string): Promise<string> {
  await import(pkg);
  // tfjs-node registers 'tensorflow' on import; it only works if it shares our tfjs-core instance.
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} imported but backend 'tensorflow' failed to initialise`);
  return 'tensorflow';
}

async function tryWasm(): Promise<string> {
  // Importing registers the 'wasm' backend; in Node it finds its .wasm binaries beside its own
  // dist files, so no setWasmPaths is needed.
  await import('@tensorflow/tfjs-backend-wasm');
  const { registerWasmGradKernels } = await import('./wasm-kernels.js');
  if (!(await tf.setBackend('wasm'))) throw new Error("backend 'wasm' failed to initialise");
  registerWasmGradKernels();
  return 'wasm';
}

async function tryCpu(): Promise<string> {
  if (!(await tf.setBackend('cpu'))) throw new Error("backend 'cpu' failed to initialise");
  return 'cpu';
}

const ATTEMPTS: Record<Exclude<BackendRequest, 'auto'>, Attempt> = {
  'tensorflow-gpu': () => tryNode(NODE_GPU_PKG),
  tensorflow: () => tryNode(NODE_PKG),
  wasm: tryWasm,
  cpu: tryCpu,
};

/**
 * Activates a backend. 'auto' walks the list best first; an explicit request fails with the
 * reason if that backend cannot start (no silent fallback when the operator asked for one).
 */
export async function selectBackend(requested: BackendRequest = 'auto'): Promise<BackendChoiceResult> {
  const order: Exclude<BackendRequest, 'auto'>[] =
    requested === 'auto' ? ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] : [requested];
  const attempts: { backend: string; error: string }[] = [];
  for (const name of order) {
    try {
      const backend = await ATTEMPTS[name]();
      await tf.ready();
      return { backend, requested, attempts, ...(backend === 'wasm' ? { wasm: await wasmInfo() } : {}) };
    } catch (e) {
      attempts.push({ backend: name, error: (e as Error).message.split('\n')[0] ?? String(e) });
    }
  }
  const detail = attempts.map((a) => `${a.backend}: ${a.error}`).join('; ');
  throw new Error(`no tfjs backend could start (${detail})`);
}

async function wasmInfo(): Promise<{ simd: boolean; threads: boolean; threadCount: number }> {
  const w = await import('@tensorflow/tfjs-backend-wasm');
  return {
    simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') as boolean,
    threads: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') as boolean,
    threadCount: w.getThreadsCount(),
  };
}
