/**
 * Prepares reconstruction batches (prepare.ts: DBSCAN, robust centre, the net's inputs) on
 * worker threads and on the calling thread at once. The thread that owns the net then only runs
 * it. A batch is split into threads + 1 chunks of about equal hit count; the calling thread
 * prepares its own chunk while the workers prepare theirs, and the chunks are merged in order.
 * The result is exactly what one thread would give (events are independent; a test checks it).
 *
 * Failure: a worker that errors or exits is dropped. Its chunk, and every later batch's share,
 * is prepared here instead (onWorkerLost says so once per worker): the pool degrades, it does
 * not fail. Workers are unref'd while idle, so an idle pool never keeps the process alive.
 */
import { Worker } from 'node:worker_threads';
import { ContractError, type DetectorGeometry, type Hits } from '../../domain/index.js';
import type { TransverseConfig } from '../clustering/index.js';
import { buildModelInputs, type ModelInputSpec } from '../cnn/model-inputs.js';
import { createEventPreparer, mergePrepared, type EventPreparer, type PreparedBatch } from '../prepare.js';
import {
  packedBuffers,
  packHits,
  type PrepareReply,
  type PrepareRequest,
  type PrepareWorkerData,
} from './messages.js';

export interface PreparePoolConfig {
  /** Worker threads besides the calling thread (>= 1). */
  readonly threads: number;
  readonly geometry: DetectorGeometry;
  readonly transverse: TransverseConfig;
  /** The CNN's input spec: workers then build the net's inputs too. */
  readonly spec?: ModelInputSpec;
  /** Batches with fewer events are prepared on the calling thread alone (default 2). */
  readonly minEventsToSplit?: number;
  /** The worker module (default: prepare-worker next to this file); tests give one that fails. */
  readonly workerEntry?: URL;
  /** A worker that has not answered a chunk after this long is dropped (default 30,000 ms): a hung thread never stalls the stream. */
  readonly replyTimeoutMs?: number;
}

export interface PreparePool {
  prepare(hits: readonly Hits[]): Promise<PreparedBatch>;
  /** e.g. "2 worker threads + the calling thread"; fewer once a worker is lost. */
  readonly preparedBy: string;
  /** Workers alive now. */
  readonly threads: number;
  /** Chunks prepared on worker threads so far, and on the calling thread (its own share and any fallback). */
  readonly chunks: { readonly onWorkers: number; readonly here: number };
  close(): Promise<void>;
}

export interface PreparePoolHooks {
  onWorkerLost?(index: number, error: Error): void;
}

/** How long close() waits for the threads to stop, ms. */
const CLOSE_WAIT_MS = 2_000;

/**
 * One worker thread and its chunks in flight. A worker that errors, exits or does not answer in
 * time is lost: its pending chunks are rejected (the pool prepares them itself), and `onLost` is
 * called once.
 */
class WorkerSlot {
  readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(r: PreparedBatch): void; reject(e: Error): void }>();
  alive = true;

  constructor(
    readonly index: number,
    entry: URL,
    data: PrepareWorkerData,
    private readonly onLost: (index: number, e: Error) => void,
    private readonly onPrepared: () => void,
  ) {
    const worker = (this.worker = startThread(entry, data));
    worker.unref();
    worker.on('message', (r: PrepareReply) => this.reply(r));
    worker.on('error', (e: Error) => this.lose(e));
    worker.on('exit', (code) => this.lose(new Error(`prepare worker ${index} exited with code ${code}`)));
  }

  private reply(r: PrepareReply): void {
    const p = this.pending.get(r.id);
    if (p === undefined) return;
    this.pending.delete(r.id);
    if (this.pending.size === 0) this.worker.unref();
    if (r.ok) {
      this.onPrepared();
      p.resolve(r.inputs === undefined ? { events: r.events } : { events: r.events, inputs: r.inputs });
    } else p.reject(new Error(`prepare worker ${this.index}: ${r.message}`));
  }

  /** Drops the worker: pending chunks fail over to the calling thread, the hook is told once. */
  lose(e: Error): void {
    if (!this.alive) return;
    this.alive = false;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    void this.worker.terminate();
    this.onLost(this.index, e);
  }

  /** Posts chunk `id`; rejects when the worker fails it, is lost, or has not answered in replyTimeoutMs. */
  prepare(id: number, chunk: readonly Hits[], replyTimeoutMs: number): Promise<PreparedBatch> {
    const packed = packHits(chunk);
    const request: PrepareRequest = { id, hits: packed };
    const done = new Promise<PreparedBatch>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    const timer = setTimeout(
      () => this.lose(new Error(`prepare worker ${this.index}: no reply within ${replyTimeoutMs} ms`)),
      replyTimeoutMs,
    );
    timer.unref();
    try {
      this.worker.ref();
      this.worker.postMessage(request, packedBuffers(packed));
    } catch (e) {
      this.lose(e instanceof Error ? e : new Error(String(e)));
    }
    return done.finally(() => clearTimeout(timer));
  }
}

export function createPreparePool(config: PreparePoolConfig, hooks: PreparePoolHooks = {}): PreparePool {
  if (!Number.isInteger(config.threads) || config.threads < 1 || config.threads > 256)
    throw new ContractError(`prepare pool: threads must be an integer in [1, 256], got ${config.threads}`);
  const spec = config.spec;
  const g = config.geometry;
  const local: EventPreparer = createEventPreparer(
    g,
    config.transverse,
    spec === undefined ? undefined : (h) => buildModelInputs(spec, h, g),
  );
  const data: PrepareWorkerData =
    spec === undefined
      ? { geometry: g, transverse: config.transverse }
      : { geometry: g, transverse: config.transverse, spec };
  const minSplit = config.minEventsToSplit ?? 2;
  const replyTimeoutMs = config.replyTimeoutMs ?? 30_000;
  let nextId = 0;
  let closing = false;
  const chunks = { onWorkers: 0, here: 0 };
  const here = (c: readonly Hits[]): PreparedBatch => {
    chunks.here++;
    return local.prepare(c);
  };
  const onLost = (index: number, e: Error): void => {
    if (!closing) hooks.onWorkerLost?.(index, e);
  };
  const entry = config.workerEntry ?? workerEntry();
  const slots = Array.from(
    { length: config.threads },
    (_, i) => new WorkerSlot(i, entry, data, onLost, () => chunks.onWorkers++),
  );

  /** One chunk on a worker; prepared here if the worker is or becomes unavailable. */
  const onWorker = (slot: WorkerSlot, chunk: readonly Hits[]): Promise<PreparedBatch> =>
    slot.alive
      ? slot.prepare(nextId++, chunk, replyTimeoutMs).catch(() => here(chunk))
      : Promise.resolve(here(chunk));

  const aliveCount = (): number => slots.filter((s) => s.alive).length;
  return {
    get preparedBy() {
      const n = aliveCount();
      return `${n} worker thread${n === 1 ? '' : 's'} + the calling thread`;
    },
    get threads() {
      return aliveCount();
    },
    get chunks() {
      return { ...chunks };
    },
    async prepare(hits) {
      const alive = slots.filter((s) => s.alive);
      if (closing || alive.length === 0 || hits.length < minSplit) return here(hits);
      const parts = splitByHits(hits, alive.length + 1);
      // Post the workers' chunks first, then prepare the first chunk here while they run.
      const remote = parts.slice(1).map((c, k) => onWorker(alive[k]!, c));
      const mine = here(parts[0]!);
      return mergePrepared([mine, ...(await Promise.all(remote))]);
    },
    async close() {
      closing = true;
      // Bounded, and with a timer that holds the process: a terminate() whose promise never settles
      // (seen after a failed stream) would otherwise let the process exit, with code 0, before the
      // caller reports the failure or prints its summary.
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)));
      await Promise.race([Promise.all(slots.map((s) => s.worker.terminate())), bound]);
      clearTimeout(timer);
    },
  };
}

/**
 * Consecutive chunks (in order) of about equal total hits, at most k, none empty: the work per
 * event grows with its hits (clustering, images), not with the number of events.
 */
export function splitByHits(hits: readonly Hits[], k: number): Hits[][] {
  const parts = Math.max(1, Math.min(k, hits.length));
  let total = 0;
  for (const h of hits) total += h.station.length;
  const out: Hits[][] = [];
  let cur: Hits[] = [];
  let acc = 0;
  for (let i = 0; i < hits.length; i++) {
    const h = hits[i]!;
    cur.push(h);
    acc += h.station.length;
    const left = hits.length - i - 1;
    const partsLeft = parts - out.length - 1;
    // Close the chunk at its share of the hits, or when the rest is only just enough to fill the others.
    if (partsLeft > 0 && (acc >= (total * (out.length + 1)) / parts || left === partsLeft)) {
      out.push(cur);
      cur = [];
    }
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** The worker's module: prepare-worker.ts when running from source (tsx), .js when compiled. */
function workerEntry(): URL {
  return new URL(
    import.meta.url.endsWith('.ts') ? './prepare-worker.ts' : './prepare-worker.js',
    import.meta.url,
  );
}

/**
 * A compiled worker starts from its file. From source (.ts, run through tsx: tests, `node --import
 * tsx`), a worker's entry does not go through the parent's tsx hooks, so a small bootstrap
 * imports it with tsx's own API (tsx is then installed: it is what runs the parent).
 */
function startThread(entry: URL, workerData: PrepareWorkerData): Worker {
  const execArgv = workerExecArgv(process.execArgv);
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData, execArgv });
  const boot = `import('tsx/esm/api').then((api) => api.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(boot, { eval: true, workerData, execArgv });
}

/** Flags that change how modules load (a value may follow as the next argument); workers keep only these. */
const MODULE_FLAGS = [
  '--import',
  '--require',
  '-r',
  '--loader',
  '--experimental-loader',
  '--conditions',
  '-C',
];

/**
 * The parent's flags a worker is started with: only the module-loading ones (and
 * --enable-source-maps). Node refuses to start a worker given a per-process flag such as
 * --perf-basic-prof, --max-old-space-size or --cpu-prof (ERR_WORKER_INVALID_EXEC_ARGV), so
 * passing process.execArgv through would turn a profiling flag into a failed processor.
 */
export function workerExecArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.split('=', 1)[0]!;
    if (a === '--enable-source-maps') out.push(a);
    else if (MODULE_FLAGS.includes(name)) {
      out.push(a);
      if (!a.includes('=') && i + 1 < argv.length) out.push(argv[++i]!);
    }
  }
  return out;
}
