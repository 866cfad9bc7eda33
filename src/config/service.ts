/** config `service`: HTTP endpoint and logging. */
import type { z } from 'zod';
import { num, oneOf, section, str } from './kit.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export const serviceSchema = section(
  {
    metricsPort: num(
      9464,
      { min: 0, max: 65535, integer: true },
      'HTTP port for /metrics, /healthz, /readyz; 0 = pick a free port',
    ),
    metricsHost: str('127.0.0.1', 'address the HTTP endpoint listens on (0.0.0.0 for all interfaces)'),
    logLevel: oneOf(LOG_LEVELS, 'info', 'least severe log level written to stderr'),
    shutdownGraceMs: num(
      10_000,
      { min: 100, max: 600_000, integer: true },
      'after SIGTERM/SIGINT: stop fetching, drain, commit and disconnect within this long, then exit 0; past it the process exits 1 and uncommitted frames are redelivered',
    ),
  },
  'process-level settings: metrics endpoint, logging',
);

export type ServiceConfig = Readonly<z.output<typeof serviceSchema>>;
