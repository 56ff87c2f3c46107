// Admission by main-thread work in flight. Reading, parsing and validating a
// JSON body, and encoding its answer, happen on the one main thread; the worker
// queue (MAX_QUEUE) does not bound that work, and the event-loop signals see it
// only after it has happened. So each POST /v1/* is charged its declared body
// size (Content-Length) from the moment its headers arrive (onRequest, before
// the body is read) until its response has closed, and a request that would
// take the sum past MAX_INFLIGHT_BODY_BYTES is refused at once with a 503.
//
// Why it matters beyond latency: once the main thread has no idle time, each
// event-loop turn grows with the work it finds, and libuv (Node >= 20) accepts
// one connection per turn, so new connections wait in the kernel's accept
// queue, neither shed nor served. Bounding the admitted bodies bounds the turn.
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * A body without Content-Length (chunked) is charged this share of the budget:
 * its size is unknown until it has been read, and by then it has been admitted.
 */
const UNKNOWN_LENGTH_SHARE = 1 / 8;
/** Below this share of the budget in flight, any one request is admitted (see admits). */
const NEARLY_IDLE_SHARE = 1 / 8;
/** /readyz stays "unavailable" this long after the last refusal (one refusal is a moment, not a state). */
const REFUSAL_MEMORY_MS = 200;

export class BodyBudget {
  /** Declared body bytes of admitted requests not yet answered. */
  bytes = 0;
  /** Admitted requests not yet answered. */
  requests = 0;
  private refusedAt = -Infinity;

  /** budget: MAX_INFLIGHT_BODY_BYTES (0: off, everything is admitted and still counted). */
  constructor(readonly budget: number) {}

  /** What a request is charged: its Content-Length, or a share of the budget when unknown. */
  chargeOf(contentLength: string | undefined): number {
    const n = contentLength === undefined ? NaN : Number(contentLength);
    return Number.isSafeInteger(n) && n >= 0 ? n : Math.ceil(this.budget * UNKNOWN_LENGTH_SHARE);
  }

  /**
   * Whether `charge` more bytes fit. A body larger than the whole budget would
   * never fit, so any single request is admitted while the main thread is
   * nearly idle (at most 1/8 of the budget in flight; not "exactly nothing",
   * or a steady trickle of small requests would starve a large one).
   */
  admits(charge: number): boolean {
    return this.budget === 0 || this.bytes + charge <= this.budget || this.bytes <= this.budget * NEARLY_IDLE_SHARE;
  }

  /**
   * Admits the request or says no. Once admitted, its charge is given back
   * exactly once when its response closes: sent, failed, timed out, or the
   * client gone (the raw response's 'close' covers all of them; fastify's
   * onResponse does not run for an aborted request).
   */
  tryAdmit(req: FastifyRequest, reply: FastifyReply): boolean {
    const charge = this.chargeOf(req.headers['content-length']);
    if (!this.admits(charge)) {
      this.refusedAt = performance.now();
      return false;
    }
    this.bytes += charge;
    this.requests++;
    reply.raw.once('close', () => {
      this.bytes -= charge;
      this.requests--;
    });
    return true;
  }

  /** Whether requests are being refused now (for /readyz). */
  get refusing(): boolean {
    return performance.now() - this.refusedAt < REFUSAL_MEMORY_MS;
  }
}

export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
