/**
 * Structured logger on stderr (stdout stays free for command output): one JSON object per line
 * for log collectors, or, when stderr is a terminal, the same record as one readable line
 * ("12:03:34 INFO  inference backend  backend=wasm warmupMs=3657"). Passed explicitly to
 * components; no global instance.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** json: one object per line; human: time, level, message, key=value (for a person at a terminal). */
export type LogFormat = 'json' | 'human';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/** The format for stderr: human on a terminal, JSON otherwise; SHOWERTRIG_LOG_FORMAT=json|human overrides. */
export function defaultLogFormat(): LogFormat {
  const env = process.env['SHOWERTRIG_LOG_FORMAT'];
  if (env === 'json' || env === 'human') return env;
  return process.stderr.isTTY === true ? 'human' : 'json';
}

const json = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));

/** One record as a readable line: the fields as key=value, strings unquoted when they have no space. */
export function humanLine(
  rec: { t: string; level: LogLevel; msg: string } & Record<string, unknown>,
): string {
  const { t, level, msg, ...fields } = rec;
  const kv = Object.entries(fields).map(
    ([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : json(v)}`,
  );
  return `${t.slice(11, 19)} ${level.toUpperCase().padEnd(5)} ${msg}${kv.length > 0 ? `  ${kv.join(' ')}` : ''}\n`;
}

export function createLogger(
  level: LogLevel = 'info',
  base: Record<string, unknown> = {},
  write: (line: string) => void = (l) => process.stderr.write(l),
  format: LogFormat = defaultLogFormat(),
): Logger {
  const log = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[lvl] < ORDER[level]) return;
    const rec = { t: new Date().toISOString(), level: lvl, msg, ...base, ...fields };
    write(format === 'human' ? humanLine(rec) : `${json(rec)}\n`);
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (fields) => createLogger(level, { ...base, ...fields }, write, format),
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = createLogger('error', {}, () => undefined, 'json');
