import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CODEC_NAMES } from '../codecs/index.js';
import { DEFAULT_MAX_HITS } from '../domain/index.js';
import {
  ConfigError,
  configDefaults,
  configDocs,
  excessFlagRaw,
  generatedConfigFiles,
  mergeRaw,
  parseConfig,
  parseExcessFlag,
  reconstructionThreads,
  WIRE_CODECS,
} from './index.js';

test('defaults give the design detector: 3 stations, 1800 x 1500 pixels of 0.5 mm', () => {
  const c = parseConfig({});
  assert.equal(c.detector.nStations, 3);
  assert.equal(c.detector.stationPitchCm, 13);
  assert.equal((c.detector.planeWidthCm * 10) / c.detector.pixelPitchMm, 1800);
  assert.equal((c.detector.planeHeightCm * 10) / c.detector.pixelPitchMm, 1500);
});

test('a bad value fails naming the field and the allowed range', () => {
  assert.throws(
    () => parseConfig({ detector: { stationPitchCm: -3 } }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.field === 'detector.stationPitchCm' &&
      /\(0, 1000\]/.test(e.message) &&
      /-3/.test(e.message),
  );
  assert.throws(
    () => parseConfig({ detector: { nStations: 2.5 } }),
    /detector\.nStations: expected an integer/,
  );
  assert.throws(
    () => parseConfig({ detector: { lead: { atomicNumber: 'lead' } } }),
    /detector\.lead\.atomicNumber/,
  );
  assert.throws(
    () => parseConfig({ reconstruction: { backend: 'tpu' } }),
    /reconstruction\.backend: expected one of/,
  );
});

test('reconstruction.threads: a count, or "auto" = one fewer than the cores, at most 4', () => {
  assert.equal(parseConfig({}).reconstruction.threads, 'auto');
  assert.deepEqual(
    [1, 2, 4, 8, 64].map((cores) => reconstructionThreads('auto', cores)),
    [0, 1, 3, 4, 4],
  );
  assert.equal(
    reconstructionThreads(parseConfig({ reconstruction: { threads: 0 } }).reconstruction.threads, 16),
    0,
  );
  assert.throws(
    () => parseConfig({ reconstruction: { threads: 1.5 } }),
    /reconstruction\.threads: expected an integer in \[0, 64\] or "auto"/,
  );
  assert.throws(
    () => parseConfig({ reconstruction: { threads: 'many' } }),
    /reconstruction\.threads: expected an integer in \[0, 64\] or "auto"/,
  );
});

test('unknown keys are refused, so a typo never falls back to a default', () => {
  assert.throws(() => parseConfig({ detector: { stationPichCm: 13 } }), /detector\.stationPichCm/);
  assert.throws(() => parseConfig({ detectr: {} }), /config\.detectr/);
});

test('cross-field constraints name the field', () => {
  assert.throws(
    () => parseConfig({ detector: { leadPlates: 100 } }),
    /detector\.leadPlates: expected total lead/,
  );
  assert.throws(
    () => parseConfig({ trigger: { excess: { windowS: 5, stepS: 10 } } }),
    /trigger\.excess\.stepS/,
  );
  assert.throws(
    () => parseConfig({ simulation: { energyRangeGeV: [10, 1] } }),
    /simulation\.energyRangeGeV: expected low < high/,
  );
});

test('overrides merge deeply over files', () => {
  const merged = mergeRaw(
    { detector: { nStations: 3, stationPitchCm: 13 } },
    { detector: { stationPitchCm: 14 } },
  );
  assert.deepEqual(merged, { detector: { nStations: 3, stationPitchCm: 14 } });
});

test('--excess flag parses class:factor:start:duration', () => {
  assert.deepEqual(parseExcessFlag('signal:4:30:20'), {
    eventClass: 'signal',
    rateFactor: 4,
    startS: 30,
    durationS: 20,
  });
  assert.throws(
    () => parseExcessFlag('signal:x:30:20'),
    /--excess\.rateFactor: expected a number in \[0, 1000000\], got NaN/,
  );
  assert.throws(() => parseExcessFlag('axion:4:30:20'), /--excess\.eventClass/);
});

test('config/default.json, config/schema.json and docs/config.md are generated from the schema and current', async () => {
  const { readFileSync } = await import('node:fs');
  for (const [path, text] of Object.entries(generatedConfigFiles())) {
    assert.equal(readFileSync(path, 'utf8'), text, `${path} is stale: run npm run config:gen`);
  }
  // The defaults file is complete: parsing it changes nothing, and it holds every key.
  const defaults = JSON.parse(readFileSync('config/default.json', 'utf8')) as unknown;
  assert.deepEqual(JSON.parse(JSON.stringify(parseConfig(defaults))), defaults);
  assert.equal(parseConfig({}).reconstruction.maxHits, DEFAULT_MAX_HITS);
});

test('every key is documented: each leaf of the defaults appears in docs/config.md with a description', () => {
  const docs = configDocs();
  const leaves = (o: unknown, p: string): string[] =>
    typeof o === 'object' && o !== null && !Array.isArray(o)
      ? Object.entries(o).flatMap(([k, v]) => leaves(v, p ? `${p}.${k}` : k))
      : [p];
  const all = [
    ...leaves(configDefaults(), ''),
    'simulation.excess.enabled',
    'simulation.startTimeNs',
    'trigger.excess.backgroundRateHz',
  ];
  for (const key of all)
    assert.match(
      docs,
      new RegExp(`\\| \`${key.replace(/\./g, '\\.')}\` \\|[^\\n]*\\| [a-zA-Z.][^|\\n]+ \\|\\n`),
      key,
    );
});

test('simulation.excess.enabled: false removes the injection; --excess none too', () => {
  const on = parseConfig({
    simulation: { excess: { eventClass: 'muon', rateFactor: 2, startS: 5, durationS: 1 } },
  });
  assert.deepEqual(on.simulation.excess, { eventClass: 'muon', rateFactor: 2, startS: 5, durationS: 1 });
  const off = parseConfig({ simulation: { excess: { enabled: false, eventClass: 'muon' } } });
  assert.equal(off.simulation.excess, undefined);
  assert.equal(parseExcessFlag('none'), undefined);
  // A flag merged over a disabled file entry switches it on.
  const merged = parseConfig(
    mergeRaw(
      { simulation: { excess: { enabled: false } } },
      { simulation: { excess: excessFlagRaw('noise:2:1:1') } },
    ),
  );
  assert.deepEqual(merged.simulation.excess, { eventClass: 'noise', rateFactor: 2, startS: 1, durationS: 1 });
});

test('kafka.codec is one of the wire codecs; null unsets an optional value', () => {
  assert.deepEqual([...WIRE_CODECS], [...CODEC_NAMES]);
  assert.equal(parseConfig({ kafka: { codec: 'msgpack' } }).kafka.codec, 'msgpack');
  assert.throws(
    () => parseConfig({ kafka: { codec: 'json' } }),
    /kafka\.codec: expected one of "avro", "msgpack", got "json"/,
  );
  assert.equal(
    parseConfig({ trigger: { excess: { backgroundRateHz: null } } }).trigger.excess.backgroundRateHz,
    undefined,
  );
  assert.throws(
    () => parseConfig({ kafka: { brokers: ['a:1', ''] } }),
    /kafka\.brokers: expected a non-empty list/,
  );
  assert.throws(() => parseConfig({ detector: 3 }), /config detector: expected an object, got 3/);
});
