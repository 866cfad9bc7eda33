export {
  createHotPixelMask,
  falseMaskProbability,
  maskCounts,
  NORMAL_OCCUPANCY_BOUND,
  type HotPixelConfig,
  type HotPixelMask,
  type MaskChange,
} from './hot-pixels.js';
export { withHotPixelMask } from './masked-reconstructor.js';
