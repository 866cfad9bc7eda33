export { logGamma, inverseNormalCdf, LN_2PI } from './special.js';
export { quantile, meanStd } from './stats.js';
