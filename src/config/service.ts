import { noUnknownKeys, num, oneOf, section, str } from './fields.js';

export interface ServiceConfig {
  /** HTTP port for /metrics, /healthz, /readyz; 0 = pick a free port. */
  readonly metricsPort: number;
  readonly metricsHost: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export function parseService(raw: unknown, path = 'service'): ServiceConfig {
  const r = section(raw, path);
  noUnknownKeys(r, path, ['metricsPort', 'metricsHost', 'logLevel']);
  return {
    metricsPort: num(r, path, 'metricsPort', 9464, { min: 0, max: 65535, integer: true }),
    metricsHost: str(r, path, 'metricsHost', '127.0.0.1'),
    logLevel: oneOf(r, path, 'logLevel', ['debug', 'info', 'warn', 'error'] as const, 'info'),
  };
}
