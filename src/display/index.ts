export {
  createDisplayHub,
  DEFAULT_DISPLAY_LIMITS,
  type DisplayHub,
  type DisplayHubConfig,
  type DisplayLimits,
} from './hub.js';
export { createDisplayRoutes, defaultAssetsDir, type RouteHandler } from './routes.js';
export { candidateDetail, candidateSummary, type EventDetailConfig } from './event-detail.js';
export { InputRateBins, Ring } from './series.js';
export type * from './protocol.js';
export { displayHubConfig } from './config.js';
