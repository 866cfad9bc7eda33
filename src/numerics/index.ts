export { logGamma, inverseNormalCdf, LN_2PI } from './special.js';
export { quantile, median, bucketQuantile, meanStd, weightedMedianInt } from './stats.js';
