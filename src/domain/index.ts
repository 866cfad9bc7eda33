export * from './frame.js';
export * from './event.js';
export * from './geometry.js';
export * from './random.js';
export * from './errors.js';
export * from './validate.js';
