/** Exotic signatures and detector faults (off by default; injected on request or generated for studies). */
export { createExoticGenerator, isFault, type ExoticGenerator } from './generate.js';
export { applyFault, drawFault, FAULT_CLASSES, type FaultClass, type FaultInstance } from './faults.js';
export { createExoticPhysicsGenerator, PHYSICS_EXOTICS, type PhysicsExotic } from './physics.js';
export { withInjections, injectionStreams } from './inject.js';
