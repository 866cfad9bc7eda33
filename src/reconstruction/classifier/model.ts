/**
 * The event classifier as the trigger runs it: class probabilities from the event-class features
 * (features.ts), by the softmax gradient-boosted trees or by the small dense net (mlp.ts), both
 * stored as plain JSON beside the CNN. The trigger's score is the signal probability.
 * Pure: the model arrives parsed; prediction is a tree walk or a few small matrix products.
 */
import type { Classification } from '../../domain/index.js';
import { predictSoftmaxGbt, type SoftmaxGbtModel } from '../baseline/index.js';
import { predictMlp, type MlpWeights } from './mlp.js';

/** gbt: the softmax boosted trees; gbt-flat: the same trees re-trained for an efficiency flat in true energy; mlp: the dense net. */
export type ClassifierKind = 'gbt' | 'gbt-flat' | 'mlp';

/** The stored classifier (models/<dir>/classifier.json). */
export interface ClassifierFile {
  readonly version: 1;
  readonly classes: readonly string[];
  readonly signalClass: string;
  readonly featureNames: readonly string[];
  readonly gbt: SoftmaxGbtModel;
  /** The efficiency-flat trees (signal rows re-weighted by true-energy bin, uBoost-style); absent in older files. */
  readonly gbtFlat?: SoftmaxGbtModel;
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
  const thr = threshold ?? file.thresholds[kind] ?? 0.5;
  const probabilities = probabilitiesOf(file, kind);
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

function probabilitiesOf(
  file: ClassifierFile,
  kind: ClassifierKind,
): (row: Float64Array, out: Float64Array) => Float64Array {
  if (kind === 'mlp') {
    const mlp = file.mlp;
    if (mlp === undefined) throw new RangeError('classifier: this model file has no mlp');
    return (row, out) => predictMlp(mlp, row, out);
  }
  const trees = kind === 'gbt' ? file.gbt : file.gbtFlat;
  if (trees === undefined)
    throw new RangeError('classifier: this model file has no efficiency-flat trees (gbt-flat)');
  return (row, out) => predictSoftmaxGbt(trees, row, out);
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
  if (
    f.gbtFlat !== undefined &&
    (f.gbtFlat.kind !== 'gbt-softmax' || f.gbtFlat.nFeatures !== f.featureNames.length)
  )
    throw new RangeError('classifier.json: the gbt-flat trees do not match the feature names');
  return f;
}
