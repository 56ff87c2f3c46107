// Admission by main-thread work in flight. Reading, parsing and validating a
// JSON body happen on the one main thread; the worker queue (MAX_QUEUE) does
// not bound that work, and the event-loop signals see it only after it has
// happened. So each POST /v1/* is charged its declared body size
// (Content-Length) from the moment its headers arrive (onRequest, before the
// body is read) until its body has been parsed and validated (its handler
// starts), and a request that would take the sum past MAX_INFLIGHT_BODY_BYTES
// is refused at once with a 503. The charge ends there, not with the answer:
// a long job whose large body is already parsed costs the main thread nothing
// while a worker runs it, and must not turn every other request away.
//
// Why it matters beyond latency: once the main thread has no idle time, each
// event-loop turn grows with the work it finds, and libuv (Node >= 20) accepts
// one connection per turn, so new connections wait in the kernel's accept
// queue, neither shed nor served. Bounding the admitted bodies bounds the turn.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';

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
  /** Declared body bytes of admitted requests whose body is not yet parsed. */
  bytes = 0;
  /** Admitted requests whose body is not yet parsed. */
  requests = 0;
  /** How to give back each admitted request's charge (once). */
  private readonly charges = new WeakMap<object, () => void>();
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
   * exactly once: when its handler starts (release), or else when its
   * response closes: refused, failed, or the client gone (the raw response's
   * 'close' covers all of them; fastify's onResponse does not run for an
   * aborted request).
   */
  tryAdmit(req: FastifyRequest, reply: FastifyReply): boolean {
    const charge = this.chargeOf(req.headers['content-length']);
    if (!this.admits(charge)) {
      this.refusedAt = performance.now();
      return false;
    }
    this.bytes += charge;
    this.requests++;
    let charged = true;
    const giveBack = () => {
      if (!charged) return;
      charged = false;
      this.bytes -= charge;
      this.requests--;
      this.charges.delete(reply.raw);
    };
    this.charges.set(reply.raw, giveBack);
    reply.raw.once('close', giveBack);
    return true;
  }

  /** The request's body has been parsed and validated: its charge ends (no-op if it had none). */
  release(reply: FastifyReply): void {
    this.charges.get(reply.raw)?.();
  }

  /** Whether requests are being refused now (for /readyz). */
  get refusing(): boolean {
    return performance.now() - this.refusedAt < REFUSAL_MEMORY_MS;
  }
}

export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** A connection that waited at least this long in the kernel's accept queue is "late". */
export const LATE_MS = 100;
/** How often the accept queue is probed (one loopback connection each time). */
const PROBE_MS = 100;

/**
 * Measures how long connections wait in the kernel's accept queue, where the
 * service cannot see them. Every PROBE_MS it opens one loopback connection to
 * its own listener and times it until the listener accepts it. The queue is
 * FIFO, so while that probe is still waiting, every connection accepted
 * before it has waited at least as long: the lower bound is exact, with no
 * sampling lag. (libuv accepts one connection per event-loop turn, so once
 * the main thread is saturated and turns are long, this wait grows.)
 */
export class AcceptQueueProbe {
  /** Wait of the last probe accepted (ms). */
  lastMs = 0;
  private probe: Socket | undefined;
  private sentAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Connections accepted late, with their wait (ms, a lower bound). */
  private readonly late = new WeakMap<Socket, number>();

  constructor(private readonly server: Server) {}

  start(): void {
    // Before the HTTP server's own listener: the mark must be set before its first request is parsed.
    this.server.prependListener('connection', (socket: Socket) => this.accepted(socket));
    this.timer = setInterval(() => this.send(), PROBE_MS).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.probe?.destroy();
    this.probe = undefined;
  }

  /** Whether a probe is waiting to be accepted. */
  get pending(): boolean {
    return this.probe !== undefined;
  }

  /** The wait now known for the queue: the outstanding probe's so far, else the last one's. */
  get waitMs(): number {
    return this.probe ? Math.max(this.lastMs, performance.now() - this.sentAt) : this.lastMs;
  }

  /** How long this connection waited in the accept queue if that was LATE_MS or more (known when it was accepted). */
  lateBy(socket: Socket): number | undefined {
    return this.late.get(socket);
  }

  /** Sends a probe now unless one is out (the timer calls it; tests too). */
  send(): void {
    if (this.probe) return; // one at a time: its wait keeps growing while it is queued
    const addr = this.server.address();
    if (!addr || typeof addr === 'string') return; // not listening, or a pipe
    const host = addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address === '::' ? '::1' : addr.address;
    const probe = connect({ port: addr.port, host });
    probe.on('error', () => {
      if (this.probe === probe) this.probe = undefined; // closing, or the address is not reachable
    });
    this.probe = probe;
    this.sentAt = performance.now();
  }

  private accepted(socket: Socket): void {
    const probe = this.probe;
    if (probe && socket.remotePort === probe.localPort && socket.remoteAddress === probe.localAddress) {
      this.lastMs = performance.now() - this.sentAt;
      this.probe = undefined;
      probe.destroy(); // the server side sees the end and closes: no request, no log line
      return;
    }
    const wait = this.waitMs;
    if (wait >= LATE_MS) this.late.set(socket, wait);
  }
}
