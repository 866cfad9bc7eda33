/**
 * One Server-Sent Events subscriber with a bounded send buffer. Writes never wait: when the
 * browser reads slower than the display sends (or has gone), the bytes queued in Node for its
 * socket grow; past `maxBufferedBytes` the subscriber is dropped (EventSource reconnects and gets
 * a fresh snapshot), so a slow or stalled browser costs at most that much memory and no time.
 */
import type { ServerResponse } from 'node:http';

export class SseSubscriber {
  private closed = false;
  /** Why it was dropped, if it was. */
  dropReason: 'overflow' | 'closed' | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly maxBufferedBytes: number,
    private readonly onClose: (s: SseSubscriber) => void,
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const gone = (): void => this.close('closed');
    res.once('close', gone);
    res.once('error', gone);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Bytes accepted by Node but not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.res.writableLength;
  }

  /** Queues one event; false (and the subscriber dropped) when its buffer is over the limit. */
  send(data: string): boolean {
    if (this.closed) return false;
    if (this.res.writableLength > this.maxBufferedBytes) {
      this.close('overflow');
      return false;
    }
    this.res.write(`data: ${data}\n\n`);
    return true;
  }

  close(reason: 'overflow' | 'closed'): void {
    if (this.closed) return;
    this.closed = true;
    this.dropReason = reason;
    // destroy, not end: ending would wait for the queued bytes a stalled reader never takes.
    if (reason === 'overflow') this.res.destroy();
    else if (!this.res.writableEnded) this.res.end();
    this.onClose(this);
  }
}
