/**
 * Images and reconstructions of the anomaly score-tuning sample (ordinary events seed 77, each exotic class
 * seed 99 + 1009 i, the fault classes also without the fault) for scripts/anomaly_score_study.py. Tuning
 * seeds are disjoint from training, calibration and evaluation.
 *
 *   node --import tsx scripts/anomaly-tuning-dump.ts MODEL_DIR OUT_DIR N_ORDINARY N_PER_CLASS
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { anomalyApp } from '../src/app/index.js';
import { loadConfig } from '../src/config-file/index.js';
import { EXOTIC_CLASSES } from '../src/domain/index.js';
const [modelDir, out, nOrd, nCls] = process.argv.slice(2);
const app = await anomalyApp();
await app.selectBackend('auto' as never);
const cfg = loadConfig([undefined], {});
const m = await app.loadAnomalyModel(modelDir!);
const spec = m.meta.spec;
mkdirSync(out!, { recursive: true });
const recon = (x: Float32Array): Float32Array => {
  const n = x.length / (spec.width * spec.height * spec.channels);
  const y = new Float32Array(x.length);
  const size = spec.width * spec.height * spec.channels;
  for (let s = 0; s < n; s += 256) {
    const k = Math.min(256, n - s);
    const t = tf.tidy(() =>
      (
        m.net.predict(
          tf.tensor4d(x.subarray(s * size, (s + k) * size), [k, spec.height, spec.width, spec.channels]),
        ) as tf.Tensor
      ).dataSync(),
    );
    y.set(t as Float32Array, s * size);
  }
  return y;
};
const put = (name: string, x: Float32Array): void => {
  writeFileSync(`${out}/${name}.x.f32`, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
  const y = recon(x);
  writeFileSync(`${out}/${name}.y.f32`, Buffer.from(y.buffer, y.byteOffset, y.byteLength));
  process.stderr.write(`${name}\n`);
};
const ord = app.anomalySample(cfg.detector, cfg.simulation, spec, Number(nOrd), 77, undefined, false);
put('ordinary', ord.images);
for (const [i, cls] of EXOTIC_CLASSES.entries()) {
  const s = app.anomalySample(cfg.detector, cfg.simulation, spec, Number(nCls), 99 + 1009 * i, cls, false);
  put(cls, s.images);
  if (s.unfaulted) put(`${cls}.base`, s.unfaulted.images);
}
writeFileSync(`${out}/spec.json`, JSON.stringify({ ...spec, nOrd: Number(nOrd), nCls: Number(nCls) }));
