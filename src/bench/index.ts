/**
 * The benchmark harness: one command per benchmark (`showertrig bench-*`), each writing its .json
 * and .md (bench-results.ts). Loaded on demand: importing this barrel loads no benchmark.
 */
import type { Command } from '../cli/index.js';

const LOADERS = {
  'bench-sim': () => import('./bench-sim.js'),
  'bench-codecs': () => import('./bench-codecs.js'),
  'bench-reco': () => import('./bench-reco.js'),
  'bench-e2e': () => import('./bench-e2e.js'),
  'bench-backends': () => import('./bench-backends.js'),
} satisfies Record<string, () => Promise<{ command: Command }>>;

export type BenchName = keyof typeof LOADERS;

export async function benchCommand(name: BenchName): Promise<Command> {
  return (await LOADERS[name]()).command;
}
