export {
  createPreparePool,
  splitByHits,
  type PreparePool,
  type PreparePoolConfig,
  type PreparePoolHooks,
} from './pool.js';
