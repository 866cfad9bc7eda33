/**
 * The error tree. Every error says whether retrying the same operation can succeed
 * (`retriable`) and carries structured context for logs and the dead-letter topic.
 * Bad input is classified once, at the boundary that first sees it.
 */
export class ShowertrigError extends Error {
  override readonly name: string = 'ShowertrigError';
  readonly retriable: boolean;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    message: string,
    opts: { retriable?: boolean; context?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.retriable = opts.retriable ?? false;
    this.context = opts.context ?? {};
  }
}

/** Bytes that cannot be decoded as a frame (wrong codec, truncated, corrupt). Never retriable. */
export class DecodeError extends ShowertrigError {
  override readonly name: string = 'DecodeError';
  /** Short machine-readable reason, used as the metric label and DLQ reason. */
  readonly reason: string;
  constructor(reason: string, message: string, context: Record<string, unknown> = {}, cause?: unknown) {
    super(message, { retriable: false, context: { reason, ...context }, cause });
    this.reason = reason;
  }
}

/** A decoded frame whose content violates the detector model (indices out of the plane, …). */
export class ValidationError extends ShowertrigError {
  override readonly name: string = 'ValidationError';
  readonly reason: string;
  constructor(reason: string, message: string, context: Record<string, unknown> = {}) {
    super(message, { retriable: false, context: { reason, ...context } });
    this.reason = reason;
  }
}

/** A model file that cannot be loaded or does not match the expected inputs. */
export class ModelError extends ShowertrigError {
  override readonly name: string = 'ModelError';
}

/**
 * A call outside a function's documented contract (an argument out of its domain, state used out
 * of order): a bug in the caller, not bad input, so never retriable. Bad user input is caught
 * earlier, by the config schema and the flag parsers, with the field's name.
 */
export class ContractError extends ShowertrigError {
  override readonly name: string = 'ContractError';
}

/** The inference backend (TensorFlow.js) cannot start or run. */
export class BackendError extends ShowertrigError {
  override readonly name: string = 'BackendError';
}
