/**
 * Architecture rules: no cycles, physics/statistics free of I/O (directly or through any chain of
 * imports), no deep imports across folders, commands independent of each other.
 */
const PURE = '^src/(domain|sim|reconstruction|trigger|numerics|anomaly)/';
/**
 * The command files (src/cli/<cmd>.ts, and src/bench/bench-*.ts for the benchmarks; one per entry
 * of main.ts's COMMANDS; a test checks the two lists agree). Helpers (args, terminal, bench-results, a command's own <cmd>-*.ts) are
 * other files.
 */
const COMMAND_FILES =
  '^src/(cli|bench)/(run|replay|record|simulate|inspect|evaluate|train|bench-sim|bench-codecs|bench-reco|bench-e2e|bench-backends|soak|fom|anomaly)\\.ts$';
const IO_LIBS =
  '^(kafkajs|prom-client|avsc|msgpackr|rxjs|fs|node:fs|net|node:net|http|node:http|https|node:https|child_process|node:child_process)$|^(fs|node:fs)/';
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'physics-no-io',
      comment:
        'Physics, reconstruction and statistics code is pure: no I/O, codec, stream or metrics libraries.',
      severity: 'error',
      from: { path: PURE },
      to: { path: IO_LIBS, dependencyTypes: ['npm', 'core', 'npm-optional', 'npm-dev'] },
    },
    {
      name: 'physics-no-io-transitive',
      comment:
        'Not through a barrel or any other module either: nothing physics code reaches may import an I/O library.',
      severity: 'error',
      from: { path: PURE },
      to: { path: IO_LIBS, reachable: true },
    },
    {
      name: 'no-command-imports-command',
      comment:
        'A command file never imports another: what two commands share lives in a CLI helper or in src/app. Only main.ts dispatches to every command.',
      severity: 'error',
      from: { path: COMMAND_FILES },
      to: { path: COMMAND_FILES },
    },
    {
      name: 'cli-only-parses',
      comment:
        'src/cli parses flags, calls src/app and prints: Kafka, pipelines, codecs, the simulator, the display and the libraries under them are composed in src/app. train.ts and evaluate.ts still build their reconstruction settings themselves (the one exception).',
      severity: 'error',
      from: { path: '^src/cli/', pathNot: '\\.test\\.ts$' },
      to: {
        path: [
          '^src/(io|pipeline|codecs|sim|display|reconstruction)/',
          '^(kafkajs|rxjs|prom-client|avsc|msgpackr|@tensorflow/.*)$',
        ],
        pathNot: '^src/reconstruction/index\\.ts$',
      },
    },
    {
      name: 'cli-reconstruction-only-in-train-evaluate',
      severity: 'error',
      from: { path: '^src/cli/', pathNot: ['^src/cli/(train|evaluate)\\.ts$', '\\.test\\.ts$'] },
      to: { path: '^src/reconstruction/' },
    },
    {
      name: 'physics-no-infra',
      comment: 'Physics code must not depend on codecs, io, pipeline, telemetry or cli.',
      severity: 'error',
      from: { path: PURE },
      to: { path: '^src/(codecs|io|pipeline|telemetry|cli)/' },
    },
    {
      name: 'domain-imports-nothing-internal',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/(?!domain/)' },
    },
    {
      name: 'kafkajs-only-in-io-kafka',
      comment:
        'Only src/io/kafka-*.ts (and the partition assigner) talk to kafkajs (types included); everyone else gets io sources, sinks and the KafkaCluster handle (src/io/kafka.ts), whose types mention no kafkajs declaration (src/io/public-api.test.ts).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/io/(kafka-[^/]+|single-active-assigner)\\.ts$' },
      to: { path: '^kafkajs$' },
    },
    {
      name: 'no-deep-imports',
      comment: 'Import another folder through its index.ts only.',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: {
        path: '^src/[^/]+/.+',
        pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
