export { logGamma, inverseNormalCdf, LN_2PI } from './special.js';
export { quantile, meanStd, weightedMedianInt } from './stats.js';
