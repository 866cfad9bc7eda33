/** Architecture rules: no cycles, physics/statistics free of I/O, no deep imports across folders. */
const PURE = '^src/(domain|sim|reconstruction|trigger)/';
const IO_LIBS = '^(kafkajs|prom-client|avsc|msgpackr|rxjs|fs|node:fs|net|node:net|http|node:http|https|node:https|child_process|node:child_process)$|^(fs|node:fs)/';
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'physics-no-io',
      comment: 'Physics, reconstruction and statistics code is pure: no I/O, codec, stream or metrics libraries.',
      severity: 'error',
      from: { path: PURE },
      to: { path: IO_LIBS, dependencyTypes: ['npm', 'core', 'npm-optional', 'npm-dev'] },
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
