/**
 * What the trigger reports about its online hot-pixel mask (src/reconstruction/hit-cleaning): the
 * gauge showertrig_hot_pixels_masked{station} on every change, and a log line per change, at most
 * one per LOG_INTERVAL_MS (changes in between are counted in the next line; the gauge has them all).
 */
import type { HotPixelMask, MaskChange } from '../reconstruction/index.js';
import type { Logger, Metrics } from '../telemetry/index.js';

export const HOT_PIXEL_LOG_INTERVAL_MS = 60_000;
/** Masked pixels named in a log line, at most. */
const LISTED = 10;

export function hotPixelReporter(
  mask: HotPixelMask,
  nStations: number,
  metrics: Metrics,
  logger: Logger,
  now: () => number = Date.now,
): (c: MaskChange) => void {
  for (let s = 0; s < nStations; s++) metrics.hotPixelsMasked.set({ station: String(s) }, 0);
  let lastLogMs = -Infinity;
  let suppressed = 0;
  return (c) => {
    c.maskedPerStation.forEach((n, s) => metrics.hotPixelsMasked.set({ station: String(s) }, n));
    const t = now();
    if (t - lastLogMs < HOT_PIXEL_LOG_INTERVAL_MS) {
      suppressed++;
      return;
    }
    lastLogMs = t;
    const listed = mask
      .maskedPixels()
      .slice(0, LISTED)
      .map((p) => `${p.station}:${p.ix},${p.iy}`);
    logger.info(c.windowsCompleted === 1 ? 'hot-pixel mask warm' : 'hot-pixel mask changed', {
      maskedPerStation: c.maskedPerStation,
      added: c.added,
      removed: c.removed,
      framesSeen: c.framesSeen,
      ...(listed.length > 0 ? { pixels: listed } : {}),
      ...(suppressed > 0 ? { changesNotLogged: suppressed } : {}),
    });
    suppressed = 0;
  };
}
