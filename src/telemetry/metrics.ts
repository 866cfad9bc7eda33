/**
 * The service's Prometheus metrics, registered on an injected registry (never the global one, so
 * tests and several pipelines in one process stay independent). Names follow Prometheus' naming
 * conventions: prefix showertrig_, base units (seconds, Hz), counters end in _total.
 */
import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';

export const METRIC_PREFIX = 'showertrig_';

/**
 * The trigger's metric names (after METRIC_PREFIX): the contract the alert rules
 * (config/prometheus), the Grafana dashboard (docker/grafana) and operators rely on. Renaming one
 * breaks them; telemetry.test.ts checks that createMetrics registers every one. The excess stage's
 * own metrics are in excess-metrics.ts.
 */
export const METRIC_NAMES = [
  'frames_received_total',
  'frames_invalid_total',
  'dead_letters_total',
  'events_reconstructed_total',
  'events_selected_total',
  'excess_alerts_total',
  'reconstruction_seconds',
  'end_to_end_latency_seconds',
  'inference_batch_size',
  'excess_significance',
  'selected_rate',
  'consumer_lag',
  'backend_info',
  'component_received_total',
  'component_sent_total',
  'component_errors_total',
  'pipeline_in_flight_messages',
  'hot_pixels_masked',
  'classifier_score',
] as const;

/** Baseline metrics every pipeline component emits (Vector-style), labelled by component. */
export interface ComponentMetrics {
  readonly component: string;
  received(n?: number): void;
  sent(n?: number): void;
  errors(n?: number): void;
}

export interface Metrics {
  readonly registry: Registry;
  readonly framesReceived: Counter;
  readonly framesInvalid: Counter<'reason'>;
  /** Frames written to the dead-letter sink, by reason (invalid input and failed reconstruction). */
  readonly deadLetters: Counter<'reason'>;
  readonly eventsReconstructed: Counter<'status'>;
  readonly eventsSelected: Counter;
  /** The event classifier's signal probability of each reconstructed event, by its predicted class. */
  readonly classifierScore: Histogram<'predicted_class'>;
  readonly excessAlerts: Counter<'method'>;
  /** Wall time of one Reconstructor.reconstruct call, i.e. per micro-batch (not per event). */
  readonly reconstructionSeconds: Histogram;
  /** Per frame: from receivedAtNs to the moment all sinks acknowledged its outputs. */
  readonly endToEndLatencySeconds: Histogram;
  readonly inferenceBatchSize: Histogram;
  /** Z of the most recently evaluated excess window. */
  readonly excessSignificance: Gauge;
  /** Selected events per second in the most recently evaluated excess window. */
  readonly selectedRate: Gauge;
  readonly consumerLag: Gauge<'partition'>;
  readonly backendInfo: Gauge<'backend'>;
  /** Input messages handed to the pipeline and not yet acknowledged. */
  readonly inFlightMessages: Gauge;
  /** Pixels the online hot-pixel mask drops, by station (reconstruction.hotPixels). */
  readonly hotPixelsMasked: Gauge<'station'>;
  component(name: string): ComponentMetrics;
  /** Sets backend_info{backend} = 1 for the chosen inference backend (and clears any other). */
  setBackend(backend: string): void;
}

export interface MetricsOptions {
  /** Also register prom-client's process and Node.js runtime metrics (standard, unprefixed names). Default true. */
  readonly defaultMetrics?: boolean;
}

export function createMetrics(registry: Registry, opts: MetricsOptions = {}): Metrics {
  if (opts.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    lintCleanResourceGauges(registry);
  }
  // Registration order is the order of the /metrics page: component counters, backend_info, then the rest.
  const f = metricFactory(registry);
  const component = componentMetrics(f);
  const backendInfo = f.gauge('backend_info', 'Inference backend in use (value 1)', ['backend']);
  return {
    registry,
    ...countMetrics(f),
    ...distributionMetrics(f),
    ...levelMetrics(f, backendInfo),
    component,
    setBackend(backend) {
      backendInfo.reset();
      backendInfo.set({ backend }, 1);
    },
  };
}

/** Constructors that prefix the name with METRIC_PREFIX and register on the registry. */
interface MetricFactory {
  counter<L extends string>(name: string, help: string, labelNames?: readonly L[]): Counter<L>;
  gauge<L extends string>(name: string, help: string, labelNames?: readonly L[]): Gauge<L>;
  histogram<L extends string>(
    name: string,
    help: string,
    buckets: number[],
    labelNames?: readonly L[],
  ): Histogram<L>;
}

function metricFactory(registry: Registry): MetricFactory {
  const registers = [registry];
  const p = METRIC_PREFIX;
  return {
    counter: (name, help, labelNames = []) => new Counter({ name: p + name, help, labelNames, registers }),
    gauge: (name, help, labelNames = []) => new Gauge({ name: p + name, help, labelNames, registers }),
    histogram: (name, help, buckets, labelNames = []) =>
      new Histogram({ name: p + name, help, labelNames, buckets, registers }),
  };
}

/** component_{received,sent,errors}_total{component}, and the handle each component counts with. */
function componentMetrics(f: MetricFactory): (name: string) => ComponentMetrics {
  const received = f.counter('component_received_total', 'Items a pipeline component received', [
    'component',
  ]);
  const sent = f.counter('component_sent_total', 'Items a pipeline component passed on', ['component']);
  const errors = f.counter('component_errors_total', 'Items a pipeline component failed on', ['component']);
  return (name) => {
    // touch the series so every component shows up at 0 before its first item
    received.inc({ component: name }, 0);
    sent.inc({ component: name }, 0);
    errors.inc({ component: name }, 0);
    return {
      component: name,
      received: (n = 1) => received.inc({ component: name }, n),
      sent: (n = 1) => sent.inc({ component: name }, n),
      errors: (n = 1) => errors.inc({ component: name }, n),
    };
  };
}

type CountMetrics = Pick<
  Metrics,
  | 'framesReceived'
  | 'framesInvalid'
  | 'deadLetters'
  | 'eventsReconstructed'
  | 'eventsSelected'
  | 'excessAlerts'
>;

function countMetrics(f: MetricFactory): CountMetrics {
  return {
    framesReceived: f.counter('frames_received_total', 'Input frames (messages) received'),
    framesInvalid: f.counter('frames_invalid_total', 'Frames rejected at decode or validation, by reason', [
      'reason',
    ]),
    deadLetters: f.counter('dead_letters_total', 'Frames written to the dead-letter sink, by reason', [
      'reason',
    ]),
    eventsReconstructed: f.counter(
      'events_reconstructed_total',
      'Reconstructed events, by reconstruction status',
      ['status'],
    ),
    eventsSelected: f.counter('events_selected_total', 'Events passing the trigger selection'),
    excessAlerts: f.counter('excess_alerts_total', 'Excess alerts raised, by method', ['method']),
  };
}

type DistributionMetrics = Pick<
  Metrics,
  'reconstructionSeconds' | 'endToEndLatencySeconds' | 'classifierScore' | 'inferenceBatchSize'
>;

function distributionMetrics(f: MetricFactory): DistributionMetrics {
  return {
    reconstructionSeconds: f.histogram(
      'reconstruction_seconds',
      'Wall time of one reconstruction micro-batch, seconds',
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ),
    endToEndLatencySeconds: f.histogram(
      'end_to_end_latency_seconds',
      'Frame receipt to outputs acknowledged, seconds',
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    ),
    classifierScore: f.histogram(
      'classifier_score',
      "Event classifier's signal probability of reconstructed events, by predicted class",
      [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99],
      ['predicted_class'],
    ),
    inferenceBatchSize: f.histogram(
      'inference_batch_size',
      'Frames per reconstruction micro-batch',
      [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
    ),
  };
}

type LevelMetrics = Pick<
  Metrics,
  | 'excessSignificance'
  | 'selectedRate'
  | 'consumerLag'
  | 'backendInfo'
  | 'inFlightMessages'
  | 'hotPixelsMasked'
>;

function levelMetrics(f: MetricFactory, backendInfo: Gauge<'backend'>): LevelMetrics {
  return {
    excessSignificance: f.gauge('excess_significance', 'One-sided Z of the latest excess window'),
    selectedRate: f.gauge('selected_rate', 'Selected events per second in the latest excess window, Hz'),
    consumerLag: f.gauge('consumer_lag', 'Kafka consumer lag, messages, by partition', ['partition']),
    backendInfo,
    inFlightMessages: f.gauge(
      'pipeline_in_flight_messages',
      'Input messages in the pipeline not yet acknowledged',
    ),
    hotPixelsMasked: f.gauge(
      'hot_pixels_masked',
      'Pixels masked as hot (their hits dropped before reconstruction), by station',
      ['station'],
    ),
  };
}

/**
 * prom-client exports the active handles/requests/resources counts as gauges named *_total, which
 * `promtool check metrics` rejects (only counters end in _total) and which PromQL users would
 * rate() by mistake. They are dropped; its nodejs_active_resources{type} and
 * nodejs_active_handles{type} gauges carry the same information.
 */
function lintCleanResourceGauges(registry: Registry): void {
  for (const name of [
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
  ])
    registry.removeSingleMetric(name);
}
