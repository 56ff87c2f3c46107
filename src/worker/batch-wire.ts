// How a batch of small graph jobs crosses to a worker and back: as few
// objects as possible. Structured clone costs per object, per property and
// per typed array. As plain objects a small job cost the main thread
// ~10 µs to post, more than its whole run in the engine. The batch is one
// transferred ArrayBuffer instead (a float64 header per job, then every job's
// packed input data) plus each distinct program's IR once. The answer is
// one buffer too: each job's packed answer (prepared.cc, pack_result) at an
// 8-byte aligned offset.
import type { ProgramRef } from '../ir/program-ref.js';
import type { GraphJob, JobOutcome } from './job.js';

/** Main thread -> worker. */
export interface WireBatch {
  kind: 'batch';
  /** Each distinct program's IR, referenced by index from the header. */
  irs: string[];
  /** Float64 [count, then per job JOB_FIELDS], then the jobs' data bytes. */
  buf: ArrayBuffer;
}

/** Worker -> main thread. */
export interface WireAnswers {
  /** Float64 [per job: ms, offset, bytes], then each answer's bytes; bytes < 0: see `rest`. */
  buf: ArrayBuffer;
  /** Outcomes that are not one packed answer (errors), by job index; null where `buf` has it. */
  rest: Array<JobOutcome<unknown> | null>;
}

// irIndex, programId, cancelSlot, deadlineAt, dataOffset, dataBytes, then the four limits.
const JOB_FIELDS = 10;
const align8 = (n: number) => (n + 7) & ~7;

/** Packs small graph jobs (packed data, not dry runs) into one message. */
export function encodeBatch(jobs: GraphJob[]): WireBatch {
  const irs: string[] = [];
  const irIndex = new Map<number, number>();
  const headBytes = align8(8 * (1 + JOB_FIELDS * jobs.length));
  let total = headBytes;
  for (const j of jobs) total += align8(dataOf(j).byteLength);
  const buf = new ArrayBuffer(total);
  const head = new Float64Array(buf, 0, 1 + JOB_FIELDS * jobs.length);
  const bytes = new Uint8Array(buf);
  head[0] = jobs.length;
  let off = headBytes;
  jobs.forEach((j, i) => {
    let ir = irIndex.get(j.program.id);
    if (ir === undefined) {
      ir = irs.push(j.program.ir) - 1;
      irIndex.set(j.program.id, ir);
    }
    const data = dataOf(j);
    bytes.set(data, off);
    const k = 1 + JOB_FIELDS * i;
    head[k] = ir;
    head[k + 1] = j.program.id;
    head[k + 2] = j.cancelSlot;
    head[k + 3] = j.deadlineAt;
    head[k + 4] = off;
    head[k + 5] = data.byteLength;
    head[k + 6] = j.limits.maxBytes;
    head[k + 7] = j.limits.maxFlops;
    head[k + 8] = j.limits.maxOps;
    head[k + 9] = j.limits.maxElements;
    off += align8(data.byteLength);
  });
  return { kind: 'batch', irs, buf };
}

function dataOf(j: GraphJob): Uint8Array {
  if (j.dryRun || !(j.data instanceof Uint8Array)) throw new Error('internal: only real runs with packed data travel in a batch');
  return j.data;
}

/** The worker's view of a batch: jobs whose data are views into the one buffer. */
export function decodeBatch(b: WireBatch): GraphJob[] {
  const head = new Float64Array(b.buf, 0, 1 + JOB_FIELDS * new Float64Array(b.buf, 0, 1)[0]!);
  const jobs: GraphJob[] = [];
  for (let k = 1; k < head.length; k += JOB_FIELDS) {
    const program: ProgramRef = { id: head[k + 1]!, ir: b.irs[head[k]!]! };
    jobs.push({
      kind: 'graph',
      dryRun: false,
      program,
      data: new Uint8Array(b.buf, head[k + 4]!, head[k + 5]!),
      cancelSlot: head[k + 2]!,
      deadlineAt: head[k + 3]!,
      limits: { maxBytes: head[k + 6]!, maxFlops: head[k + 7]!, maxOps: head[k + 8]!, maxElements: head[k + 9]! },
    });
  }
  return jobs;
}

/** The worker packs its outcomes: packed answers into one buffer, anything else aside. */
export function encodeAnswers(outcomes: JobOutcome<unknown>[]): WireAnswers {
  const headBytes = align8(8 * 3 * outcomes.length);
  let total = headBytes;
  for (const o of outcomes) if (o.ok && o.result instanceof ArrayBuffer) total += align8(o.result.byteLength);
  const buf = new ArrayBuffer(total);
  const head = new Float64Array(buf, 0, 3 * outcomes.length);
  const bytes = new Uint8Array(buf);
  const rest: Array<JobOutcome<unknown> | null> = [];
  let off = headBytes;
  outcomes.forEach((o, i) => {
    if (o.ok && o.result instanceof ArrayBuffer) {
      bytes.set(new Uint8Array(o.result), off);
      head[3 * i] = o.ms;
      head[3 * i + 1] = off;
      head[3 * i + 2] = o.result.byteLength;
      off += align8(o.result.byteLength);
      rest.push(null);
    } else {
      head[3 * i + 2] = -1;
      rest.push(o);
    }
  });
  return { buf, rest };
}

/** The main thread's outcomes, in job order: packed answers as views into the one buffer. */
export function decodeAnswers(a: WireAnswers): Array<JobOutcome<unknown>> {
  const head = new Float64Array(a.buf, 0, 3 * a.rest.length);
  return a.rest.map((o, i) => o ?? { ok: true, result: new Uint8Array(a.buf, head[3 * i + 1]!, head[3 * i + 2]!), ms: head[3 * i]! });
}
