/**
 * The metrics and health HTTP endpoint (node:http):
 *   GET /metrics  the registry in Prometheus text format
 *   GET /healthz  200 while the process is alive
 *   GET /readyz   200 when the ready callback says so (e.g. model loaded and consumer joined), else 503
 * and any further routes the caller mounts (the live display).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ShowertrigError } from '../domain/index.js';

/** The endpoint cannot listen where configured (port taken, no permission, foreign address). */
export class MetricsPortError extends ShowertrigError {
  override readonly name: string = 'MetricsPortError';
}

function listenError(e: unknown, host: string, port: number): ShowertrigError {
  const code = (e as NodeJS.ErrnoException).code;
  // A command as written works: flags without a command go to the default one (`showertrig --metrics-port N`).
  const fix = `add --metrics-port ${port === 0 || port >= 65535 ? 0 : port + 1} to the command (0 = any free port), or set service.metricsPort in a --config file`;
  const msg =
    code === 'EADDRINUSE'
      ? `port ${port} on ${host} is already in use (another showertrig or exporter?): ${fix}`
      : code === 'EACCES'
        ? `not allowed to listen on ${host}:${port} (ports below 1024 need privileges): ${fix}`
        : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND'
          ? `${host} is not an address of this machine: set config service.metricsHost (127.0.0.1, or 0.0.0.0 for all)`
          : `cannot listen on ${host}:${port}: ${(e as Error).message}`;
  return new MetricsPortError(msg, { context: { host, port, code }, cause: e });
}

export interface MetricsServerConfig {
  readonly registry: Registry;
  /** Readiness; a throwing or rejecting callback counts as not ready. Default: always ready. */
  readonly ready?: () => boolean | Promise<boolean>;
  /** Lines after "ready" / "not ready" in the /readyz body: what each part is doing (e.g. "excess: standby"). */
  readonly status?: () => string;
  /** Further routes (e.g. the live display), tried first: true when it answered the request. */
  readonly routes?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export interface MetricsServer {
  /** Listens; port 0 picks a free port. Resolves with the bound address. */
  start(port: number, host?: string): Promise<{ port: number; host: string }>;
  close(): Promise<void>;
  /** The bound port (after start). */
  readonly port: number | undefined;
}

interface Reply {
  status: number;
  type: string;
  body: string;
}

/** /readyz: ready or not (a throwing probe is not ready), and the status detail when there is one. */
async function readiness(config: MetricsServerConfig): Promise<Reply> {
  let ok = false;
  try {
    ok = await (config.ready ?? (() => true))();
  } catch {
    ok = false;
  }
  let detail = '';
  try {
    detail = config.status?.() ?? '';
  } catch {
    detail = '';
  }
  const body = `${ok ? 'ready' : 'not ready'}\n${detail === '' ? '' : `${detail}\n`}`;
  return { status: ok ? 200 : 503, type: 'text/plain', body };
}

/** The built-in endpoints: /metrics, /healthz, /readyz; GET and HEAD only. */
async function handle(
  config: MetricsServerConfig,
  method: string | undefined,
  url: string | undefined,
): Promise<Reply> {
  const path = (url ?? '/').split('?')[0];
  if (method !== 'GET' && method !== 'HEAD')
    return { status: 405, type: 'text/plain', body: 'method not allowed\n' };
  if (path === '/metrics')
    return { status: 200, type: config.registry.contentType, body: await config.registry.metrics() };
  if (path === '/healthz') return { status: 200, type: 'text/plain', body: 'ok\n' };
  if (path === '/readyz') return readiness(config);
  return { status: 404, type: 'text/plain', body: 'not found\n' };
}

/** The request listener: the extra routes first (a throwing route answers 500), then the built-in endpoints. */
function requestListener(config: MetricsServerConfig) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    try {
      if (config.routes?.(req, res) === true) return;
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${(e as Error).message}\n`);
      return;
    }
    handle(config, req.method, req.url).then(
      (r) => {
        res.writeHead(r.status, { 'content-type': r.type });
        res.end(req.method === 'HEAD' ? undefined : r.body);
      },
      (e: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`${(e as Error).message}\n`);
      },
    );
  };
}

export function createMetricsServer(config: MetricsServerConfig): MetricsServer {
  let server: Server | undefined;

  return {
    get port() {
      const a = server?.address();
      return a && typeof a === 'object' ? a.port : undefined;
    },
    start(port, host = '127.0.0.1') {
      if (server) return Promise.reject(new MetricsPortError('metrics server already started'));
      const s = createServer(requestListener(config));
      server = s;
      return new Promise((resolve, reject) => {
        const fail = (e: unknown): void => {
          server = undefined;
          reject(listenError(e, host, port));
        };
        s.once('error', fail);
        s.listen(port, host, () => {
          s.off('error', fail);
          const a = s.address() as AddressInfo;
          resolve({ port: a.port, host: a.address });
        });
      });
    },
    close() {
      const s = server;
      server = undefined;
      if (!s) return Promise.resolve();
      return new Promise((resolve, reject) => {
        s.close((e) => (e ? reject(e) : resolve()));
        s.closeAllConnections();
      });
    },
  };
}
