/**
 * Evaluation events from a recording: the frames of an Avro recording that carry simulation
 * truth of the chosen event classes (signal showers by default), in file order, read lazily in
 * batches. Frames without truth (real data) or of other classes are counted, never scored, so a
 * report says how many of the file's frames it used.
 */
import type { EventClass, HitFrame } from '../../domain/index.js';
import { openRecording } from '../../recording/index.js';
import type { EvaluationSource } from './samples.js';

export interface RecordingSourceStats {
  /** Frames read from the file so far. */
  frames: number;
  /** Frames without truth. */
  noTruth: number;
  /** Frames with truth of another class, by class. */
  otherClass: Partial<Record<EventClass, number>>;
}

export interface RecordingSource extends EvaluationSource {
  readonly stats: RecordingSourceStats;
  /** Closes the file (also done when the last frame has been read). */
  close(): Promise<void>;
}

/** A source of the truth-carrying frames of `classes` in the recording at `path`, at most `limit` of them. */
export async function recordingSource(
  path: string,
  classes: readonly EventClass[] = ['signal'],
  limit = Infinity,
): Promise<RecordingSource> {
  const rec = await openRecording(path);
  const it: AsyncIterator<HitFrame> = rec[Symbol.asyncIterator]();
  const stats: RecordingSourceStats = { frames: 0, noTruth: 0, otherClass: {} };
  let taken = 0;
  let ended = false;
  return {
    label: `recording ${path}`,
    stats,
    close: () => rec.close(),
    async next(n) {
      const out: HitFrame[] = [];
      while (out.length < n && taken < limit && !ended) {
        const r = await it.next();
        if (r.done === true) {
          ended = true;
          break;
        }
        const f = r.value;
        stats.frames++;
        if (f.truth === undefined) stats.noTruth++;
        else if (!classes.includes(f.truth.eventClass))
          stats.otherClass[f.truth.eventClass] = (stats.otherClass[f.truth.eventClass] ?? 0) + 1;
        else {
          out.push(f);
          taken++;
        }
      }
      return out.map((f) => ({ hits: f.hits, truth: f.truth! }));
    },
  };
}
