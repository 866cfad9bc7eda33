/**
 * Temporary directories for the CNN's graph SavedModel (reconstruction/cnn/graph-run.ts writes
 * one, TensorFlow loads it into a session, and it is removed right after): each create() makes a
 * fresh <tmpdir>/showertrig-graph-XXXXXX with the given files. Any directory still there when the
 * process exits (a load that threw past its clean-up, a crash in between) is removed by an exit
 * hook, so none is left behind by a normal exit or process.exit().
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { SavedModelStore } from '../reconstruction/index.js';

const live = new Set<string>();
let hooked = false;

function removeDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
  live.delete(path);
}

/** A SavedModelStore under `root` (default: the OS temporary directory). */
export function temporarySavedModelStore(root: string = tmpdir()): SavedModelStore {
  return {
    create(files) {
      if (!hooked) {
        hooked = true;
        process.once('exit', () => {
          for (const d of [...live]) removeDir(d);
        });
      }
      const path = mkdtempSync(join(root, 'showertrig-graph-'));
      live.add(path);
      try {
        for (const [name, data] of Object.entries(files)) {
          if (name !== basename(name) || name === '..' || name === '.')
            throw new RangeError(`SavedModel file name ${JSON.stringify(name)} is not a plain file name`);
          writeFileSync(join(path, name), data);
        }
      } catch (e) {
        removeDir(path);
        throw e;
      }
      return { path, remove: () => removeDir(path) };
    },
  };
}

/** Directories created and not yet removed (for tests and diagnostics). */
export function liveSavedModelDirs(): readonly string[] {
  return [...live];
}
