import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_GEOMETRY,
  DEFAULT_PLAUSIBILITY,
  validateFrame,
  type FrameRules,
  type HitFrame,
  type Truth,
} from './index.js';

const rules: FrameRules = {
  geometry: DEFAULT_GEOMETRY,
  maxHits: 1_000_000,
  plausibility: DEFAULT_PLAUSIBILITY,
};
const T0 = 1_700_000_000_000_000_000n;

function frame(
  id: string,
  list: [number, number, number, number][],
  extra: Partial<HitFrame> = {},
): HitFrame {
  return {
    runId: 'r',
    eventId: id,
    timestampNs: T0,
    hits: {
      station: Uint8Array.from(list.map((h) => h[0])),
      ix: Int32Array.from(list.map((h) => h[1])),
      iy: Int32Array.from(list.map((h) => h[2])),
      count: Int32Array.from(list.map((h) => h[3])),
    },
    ...extra,
  };
}
const two: [number, number, number, number][] = [
  [0, 10, 10, 1],
  [1, 10, 10, 2],
];
const truth: Truth = {
  eventClass: 'signal',
  energyGeV: 10,
  x0Cm: 1,
  y0Cm: -2,
  dCm: -3,
  slopeX: 0.01,
  slopeY: 0,
};

test('hit problems get the status that says why, the cheapest first', () => {
  const million = 1_000_001;
  const cases: [HitFrame, string][] = [
    [frame('empty', []), 'no_hits'],
    [
      frame('one-station', [
        [0, 10, 10, 1],
        [0, 11, 10, 1],
      ]),
      'single_station',
    ],
    [
      frame('outside', [
        [0, 1800, 10, 1],
        [1, 10, 10, 1],
      ]),
      'out_of_plane',
    ],
    [
      frame('bad-station', [
        [0, 10, 10, 1],
        [7, 10, 10, 1],
      ]),
      'out_of_plane',
    ],
    [
      frame('negative', [
        [0, -1, 10, 1],
        [1, 10, 10, 1],
      ]),
      'out_of_plane',
    ],
    // Int32Array cannot hold NaN; a decoder handing over float arrays can.
    [
      {
        ...frame('nan', two),
        hits: { ...frame('', two).hits, ix: Float64Array.from([NaN, 10]) as unknown as Int32Array },
      },
      'non_finite',
    ],
    [
      frame('zero-count', [
        [0, 10, 10, 0],
        [1, 10, 10, 1],
      ]),
      'non_positive_count',
    ],
    [
      frame('negative-count', [
        [0, 10, 10, 1],
        [1, 10, 10, -3],
      ]),
      'non_positive_count',
    ],
    [
      {
        ...frame('ragged', []),
        hits: {
          station: new Uint8Array(2),
          ix: new Int32Array(1),
          iy: new Int32Array(2),
          count: new Int32Array(2),
        },
      },
      'non_finite',
    ],
    [
      {
        ...frame('million', []),
        hits: {
          station: new Uint8Array(million),
          ix: new Int32Array(million),
          iy: new Int32Array(million),
          count: new Int32Array(million).fill(1),
        },
      },
      'too_many_hits',
    ],
    [frame('fine', two), 'ok'],
  ];
  for (const [f, want] of cases) {
    const v = validateFrame(f, rules);
    assert.equal(v.status, want, `${f.eventId}: ${v.detail}`);
    if (want !== 'ok') assert.ok((v.detail ?? '').length > 0);
  }
});

test('implausible content is refused with a reason: counts, truth (NaN, ±Infinity, absurd), timestamp, ids', () => {
  const cases: [HitFrame, string, RegExp][] = [
    [
      frame('huge-count', [
        [0, 10, 10, 2 ** 31 - 1],
        [1, 10, 10, 1],
      ]),
      'implausible_count',
      /count 2147483647 > 10000/,
    ],
    [
      frame(
        'many-counts',
        Array.from({ length: 200 }, (_, i): [number, number, number, number] => [i % 3, 10 + i, 10, 9_000]),
      ),
      'implausible_count',
      /total count/,
    ],
    [
      frame('nan-truth', two, { truth: { ...truth, energyGeV: NaN } }),
      'non_finite_truth',
      /truth\.energyGeV = NaN/,
    ],
    [
      frame('inf-truth', two, { truth: { ...truth, x0Cm: Infinity } }),
      'non_finite_truth',
      /truth\.x0Cm = Infinity/,
    ],
    [frame('minus-inf-slope', two, { truth: { ...truth, slopeY: -Infinity } }), 'non_finite_truth', /slopeY/],
    [frame('tev', two, { truth: { ...truth, energyGeV: 1e14 } }), 'implausible_truth', /energyGeV/],
    [frame('far', two, { truth: { ...truth, y0Cm: 5000 } }), 'implausible_truth', /origin/],
    [frame('deep', two, { truth: { ...truth, dCm: -500 } }), 'implausible_truth', /dCm/],
    [frame('negative-time', two, { timestampNs: -5n }), 'bad_timestamp', /timestamp/],
    [frame('', two), 'bad_id', /eventId/],
    [frame('x'.repeat(300), two), 'bad_id', /1\.\.256/],
  ];
  for (const [f, want, detail] of cases) {
    const v = validateFrame(f, rules);
    assert.equal(v.status, want, `${f.eventId.slice(0, 20)}: ${v.detail}`);
    assert.match(v.detail ?? '', detail);
  }
  assert.equal(validateFrame(frame('with-truth', two, { truth }), rules).status, 'ok');
});

test('the plausibility range is configurable', () => {
  const f = frame('c', [
    [0, 10, 10, 50],
    [1, 10, 10, 1],
  ]);
  assert.equal(validateFrame(f, rules).status, 'ok');
  assert.equal(
    validateFrame(f, { ...rules, plausibility: { ...DEFAULT_PLAUSIBILITY, maxCountPerHit: 20 } }).status,
    'implausible_count',
  );
  const tight = {
    ...rules,
    plausibility: { ...DEFAULT_PLAUSIBILITY, timestampRangeS: [1.8e9, 1.9e9] as const },
  };
  assert.equal(validateFrame(f, tight).status, 'bad_timestamp');
});
