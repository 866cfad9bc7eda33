/**
 * The Kafka errors of src/io: KafkaIoError (our error tree, retriable flag kept) and how a kafkajs
 * error is judged: fatal (no retry can fix it) or retriable. No kafkajs import: errors are read by
 * their name, type and code.
 */
import { ShowertrigError } from '../domain/index.js';

export class KafkaIoError extends ShowertrigError {
  override readonly name: string = 'KafkaIoError';
}
export function toKafkaIoError(what: string, e: unknown): KafkaIoError {
  const retriable = isRetriableKafkaError(e);
  const msg = e instanceof Error ? e.message : String(e);
  const name = e instanceof Error ? e.name : 'Error';
  return new KafkaIoError(`${what}: ${msg}`, { retriable, cause: e, context: { what, kafkaError: name } });
}

/**
 * Errors no retry can fix: authentication, authorisation, TLS trust. A process with one of these
 * exits with one clear line instead of retrying (no retry storm against a broker that said no).
 */
export function isFatalKafkaError(e: unknown): boolean {
  for (
    let x: unknown = e, depth = 0;
    typeof x === 'object' && x !== null && depth < 6;
    x = (x as { cause?: unknown }).cause, depth++
  ) {
    const err = x as { name?: string; type?: string; message?: string; code?: string };
    if (
      err.name === 'KafkaJSSASLAuthenticationError' ||
      /AUTHORIZATION_FAILED|AUTHENTICATION_FAILED|UNSUPPORTED_SASL_MECHANISM|ILLEGAL_SASL_STATE/.test(
        err.type ?? '',
      )
    )
      return true;
    if (
      /certificate|self[- ]signed|SSL routines|wrong version number|ERR_TLS|UNABLE_TO_VERIFY|DEPTH_ZERO/i.test(
        `${err.code ?? ''} ${err.message ?? ''}`,
      )
    )
      return true;
    if (/SASL .*authentication failed|Authentication failed/i.test(err.message ?? '')) return true;
  }
  return false;
}

/** kafkajs marks retriable errors; connection failures wrapped in "non-retriable" or "retries exceeded" still are. */
export function isRetriableKafkaError(e: unknown): boolean {
  if (isFatalKafkaError(e)) return false;
  for (
    let x: unknown = e, depth = 0;
    typeof x === 'object' && x !== null && depth < 6;
    x = (x as { cause?: unknown; originalError?: unknown }).originalError ?? (x as { cause?: unknown }).cause,
      depth++
  ) {
    const err = x as { retriable?: boolean; name?: string; type?: string; code?: string };
    if (
      err.name === 'KafkaJSSASLAuthenticationError' ||
      err.type === 'SASL_AUTHENTICATION_FAILED' ||
      err.type === 'TOPIC_AUTHORIZATION_FAILED'
    )
      return false;
    if (
      err.name === 'KafkaJSConnectionError' ||
      err.name === 'KafkaJSConnectionClosedError' ||
      err.name === 'KafkaJSRequestTimeoutError'
    )
      return true;
    if (
      err.name === 'KafkaJSNumberOfRetriesExceeded' ||
      err.name === 'KafkaJSBrokerNotFound' ||
      err.name === 'KafkaJSLockTimeout'
    )
      return true;
    if (
      err.name === 'KafkaJSGroupCoordinatorNotFound' ||
      err.type === 'COORDINATOR_NOT_AVAILABLE' ||
      err.type === 'NOT_COORDINATOR'
    )
      return true;
    if (
      err.code === 'ECONNREFUSED' ||
      err.code === 'ECONNRESET' ||
      err.code === 'EPIPE' ||
      err.code === 'ETIMEDOUT'
    )
      return true;
    if (err.retriable === true) return true;
  }
  return false;
}
