/**
 * The display's HTTP routes, mounted on the trigger's metrics server:
 *   GET /, /display            the page (web/display, bundled by `npm run build` into dist/web)
 *   GET /display/assets/<file> its script and styles (no CDN: the page works offline)
 *   GET /display/events        Server-Sent Events (ServerMessage JSON per event)
 *   GET /display/api/state     the snapshot a new subscriber gets first
 *   GET /display/api/candidate?id=EVENT_ID, /display/api/alert?id=ALERT_ID
 */
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DisplayHub } from './hub.js';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.map': 'application/json',
};

/** The bundle directory: dist/web beside this package's package.json (from src/ under tsx, or dist/). */
export function defaultAssetsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'web');
    dir = dirname(dir);
  }
  return join(process.cwd(), 'dist', 'web');
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export function createDisplayRoutes(hub: DisplayHub, assetsDir: string = defaultAssetsDir()): RouteHandler {
  const cache = new Map<string, Buffer>();
  const asset = (name: string): Buffer | undefined => {
    if (!/^[\w.-]+$/.test(name)) return undefined;
    let b = cache.get(name);
    if (b === undefined) {
      const p = join(assetsDir, name);
      if (!existsSync(p)) return undefined;
      b = readFileSync(p);
      cache.set(name, b);
    }
    return b;
  };
  const send = (
    res: ServerResponse,
    status: number,
    type: string,
    body: string | Buffer,
    head: boolean,
  ): void => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(head ? undefined : body);
  };
  const json = (res: ServerResponse, v: unknown, head: boolean): void =>
    send(
      res,
      v === undefined ? 404 : 200,
      'application/json',
      JSON.stringify(v ?? { error: 'not found' }),
      head,
    );

  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const head = req.method === 'HEAD';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path === '/' || path === '/display' || path === '/display/') {
      const page = asset('index.html');
      if (page === undefined)
        send(
          res,
          503,
          'text/plain',
          `live display not built: run \`npm run build\` (looked in ${assetsDir})\n`,
          head,
        );
      else send(res, 200, TYPES['.html']!, page, head);
      return true;
    }
    if (path.startsWith('/display/assets/')) {
      const name = path.slice('/display/assets/'.length);
      const b = asset(name);
      if (b === undefined) send(res, 404, 'text/plain', 'not found\n', head);
      else send(res, 200, TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream', b, head);
      return true;
    }
    if (path === '/display/events') {
      if (head) send(res, 200, 'text/event-stream', '', true);
      else hub.subscribe(res);
      return true;
    }
    const id = url.searchParams.get('id') ?? '';
    if (path === '/display/api/state') json(res, hub.snapshot(), head);
    else if (path === '/display/api/candidate') json(res, hub.candidate(id), head);
    else if (path === '/display/api/alert') json(res, hub.alert(id), head);
    else return false;
    return true;
  };
}
