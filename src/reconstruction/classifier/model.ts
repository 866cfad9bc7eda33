/**
 * The event classifier as the trigger runs it: class probabilities from the event-class features
 * (features.ts), by the softmax gradient-boosted trees or by the small dense net (mlp.ts), both
 * stored as plain JSON beside the CNN. The trigger's score is the signal probability.
 * Pure: the model arrives parsed; prediction is a tree walk or a few small matrix products.
 */
import type { Classification } from '../../domain/index.js';
import { predictSoftmaxGbt, type SoftmaxGbtModel } from '../baseline/index.js';
import { predictMlp, type MlpWeights } from './mlp.js';

export type ClassifierKind = 'gbt' | 'mlp';

/** The stored classifier (models/<dir>/classifier.json). */
export interface ClassifierFile {
  readonly version: 1;
  readonly classes: readonly string[];
  readonly signalClass: string;
  readonly featureNames: readonly string[];
  readonly gbt: SoftmaxGbtModel;
  readonly mlp?: MlpWeights;
  /** The working point: select when the signal probability is >= threshold (per kind). */
  readonly thresholds: Readonly<Partial<Record<ClassifierKind, number>>>;
  /** How it was trained (seeds, sample sizes, command), for the record. */
  readonly provenance: Readonly<Record<string, string | number>>;
}

export interface EventClassifier {
  readonly kind: ClassifierKind;
  readonly classes: readonly string[];
  readonly nFeatures: number;
  /** The configured working point. */
  readonly threshold: number;
  /** Class probabilities of one feature row into out (length = classes). */
  probabilities(row: Float64Array, out: Float64Array): Float64Array;
  classify(row: Float64Array): Classification;
}

export function createEventClassifier(
  file: ClassifierFile,
  kind: ClassifierKind = 'gbt',
  threshold?: number,
): EventClassifier {
  const classes = file.classes;
  const sig = classes.indexOf(file.signalClass);
  if (sig < 0)
    throw new RangeError(`classifier: signal class ${file.signalClass} not among ${classes.join(', ')}`);
  if (kind === 'mlp' && file.mlp === undefined)
    throw new RangeError('classifier: this model file has no mlp');
  const thr = threshold ?? file.thresholds[kind] ?? 0.5;
  const probabilities =
    kind === 'gbt'
      ? (row: Float64Array, out: Float64Array): Float64Array => predictSoftmaxGbt(file.gbt, row, out)
      : (row: Float64Array, out: Float64Array): Float64Array => predictMlp(file.mlp!, row, out);
  const scratch = new Float64Array(classes.length);
  return {
    kind,
    classes,
    nFeatures: file.featureNames.length,
    threshold: thr,
    probabilities,
    classify(row) {
      probabilities(row, scratch);
      let best = 0;
      const probs: Record<string, number> = {};
      for (let c = 0; c < classes.length; c++) {
        probs[classes[c]!] = scratch[c]!;
        if (scratch[c]! > scratch[best]!) best = c;
      }
      return { score: scratch[sig]!, predictedClass: classes[best]!, probabilities: probs };
    },
  };
}

/** Parses classifier.json's text; throws on a shape it does not know. */
export function parseClassifierFile(text: string): ClassifierFile {
  const f = JSON.parse(text) as ClassifierFile;
  if (f.version !== 1 || !Array.isArray(f.classes) || f.gbt?.kind !== 'gbt-softmax')
    throw new RangeError('classifier.json: not a version-1 classifier file');
  if (f.gbt.nFeatures !== f.featureNames.length)
    throw new RangeError(
      `classifier.json: ${f.gbt.nFeatures} tree features but ${f.featureNames.length} names`,
    );
  return f;
}
