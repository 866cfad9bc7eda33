/**
 * A prepare worker thread (pool.ts starts it): prepares the chunks of hits it is sent with its own
 * EventPreparer and posts each prepared chunk back, its input buffers transferred. A chunk that
 * throws is answered with the error's message; the worker stays up.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildModelInputs } from '../cnn/model-inputs.js';
import { createEventPreparer } from '../prepare.js';
import {
  inputBuffers,
  unpackHits,
  type PrepareReply,
  type PrepareRequest,
  type PrepareWorkerData,
} from './messages.js';

const data = workerData as PrepareWorkerData;
const spec = data.spec;
const preparer = createEventPreparer(
  data.geometry,
  data.transverse,
  spec === undefined ? undefined : (h) => buildModelInputs(spec, h, data.geometry),
);
const port = parentPort;
if (port === null)
  throw new Error('prepare-worker.ts runs as a worker thread (reconstruction/parallel/pool.ts)');

port.on('message', (m: PrepareRequest) => {
  let reply: PrepareReply;
  try {
    const r = preparer.prepare(unpackHits(m.hits));
    reply =
      r.inputs === undefined
        ? { id: m.id, ok: true, events: r.events }
        : { id: m.id, ok: true, events: r.events, inputs: r.inputs };
    port.postMessage(reply, inputBuffers(r.inputs));
  } catch (e) {
    reply = { id: m.id, ok: false, message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    port.postMessage(reply);
  }
});
