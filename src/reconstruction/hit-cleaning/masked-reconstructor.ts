/**
 * A Reconstructor that cleans each frame's hits before the wrapped one (clustering and the CNN)
 * sees them: every frame is counted towards the hot-pixel occupancy, then the hits of masked pixels
 * are dropped. RecoEvent.nHits is then the hits used, after masking. A frame handed over again
 * (the pipeline retries a failed reconstruction with the same frames) is counted once.
 */
import type { HitFrame, Reconstructor } from '../../domain/index.js';
import type { HotPixelMask, MaskChange } from './hot-pixels.js';

export function withHotPixelMask(
  inner: Reconstructor,
  mask: HotPixelMask,
  onChange: (c: MaskChange) => void = () => {},
): Reconstructor {
  if (!mask.enabled) return inner;
  const cleaned = new WeakMap<HitFrame, HitFrame>();
  const clean = (f: HitFrame): HitFrame => {
    const seen = cleaned.get(f);
    if (seen !== undefined) return seen;
    const change = mask.observe(f.hits);
    if (change !== undefined) onChange(change);
    const hits = mask.apply(f.hits);
    const out = hits === f.hits ? f : { ...f, hits };
    cleaned.set(f, out);
    return out;
  };
  return {
    info: inner.info,
    dispose: () => inner.dispose(),
    reconstruct: (frames) => inner.reconstruct(frames.map(clean)),
    // Cached per frame: the hits this frame was reconstructed from, not re-masked with a mask that has moved on.
    seen: (f) => cleaned.get(f) ?? f,
  };
}
