// The batch wire (src/worker/batch-wire.ts): small graph jobs and their
// answers survive the trip through one buffer, in order, each with its own
// program, data, cancel slot, deadline and limits; errors travel aside.
import { describe, expect, it } from 'vitest';
import { decodeAnswers, decodeBatch, encodeAnswers, encodeBatch } from '../../src/worker/batch-wire.js';
import type { GraphJob, JobOutcome } from '../../src/worker/job.js';

function job(id: number, ir: string, bytes: number[], slot: number): GraphJob {
  return {
    kind: 'graph',
    dryRun: false,
    program: { id, ir },
    data: new Uint8Array(bytes),
    cancelSlot: slot,
    deadlineAt: 1_700_000_000_123 + slot,
    limits: { maxBytes: 1e9 + slot, maxFlops: 1e12, maxOps: 1e6, maxElements: 2 ** 40 },
  };
}

describe('batch wire', () => {
  it('carries every job field, data of any length at 8-byte aligned offsets, each IR once', () => {
    const jobs = [job(7, 'ir-seven', [1, 2, 3], 0), job(9, 'ir-\u00e9-nine', [], 5), job(7, 'ir-seven', Array.from({ length: 17 }, (_, i) => 200 + i), 3)];
    const wire = encodeBatch(jobs);
    expect(wire.irs).toEqual(['ir-seven', 'ir-\u00e9-nine']);
    // A structured clone of the message, as postMessage makes it.
    const back = decodeBatch(structuredClone(wire));
    expect(back).toHaveLength(3);
    back.forEach((b, i) => {
      const j = jobs[i]!;
      expect({ ...b, data: [...(b.data as Uint8Array)] }).toEqual({ ...j, data: [...(j.data as Uint8Array)] });
      expect((b.data as Uint8Array).byteOffset % 8).toBe(0);
    });
  });

  it('refuses jobs that must not be batched', () => {
    expect(() => encodeBatch([{ ...job(1, 'x', [1], 0), dryRun: true }])).toThrow(/internal/);
    expect(() => encodeBatch([{ ...job(1, 'x', [1], 0), data: [new Float32Array(2)] }])).toThrow(/internal/);
  });

  it('answers: packed results as aligned views, errors aside, in job order', () => {
    const a = new Float64Array([1, 2, 3]).buffer;
    const b = new Uint8Array([9, 8, 7, 6, 5]).buffer;
    const outcomes: JobOutcome<unknown>[] = [
      { ok: true, result: a, ms: 0.25 },
      { ok: false, error: { code: 'GS_shape', message: 'bad shape', node: 2 } },
      { ok: true, result: b, ms: 1.5 },
    ];
    const got = decodeAnswers(structuredClone(encodeAnswers(outcomes)));
    expect(got[1]).toEqual(outcomes[1]);
    const first = got[0] as { ok: true; result: Uint8Array; ms: number };
    const third = got[2] as { ok: true; result: Uint8Array; ms: number };
    expect(first.ms).toBe(0.25);
    expect([...new Float64Array(first.result.buffer, first.result.byteOffset, 3)]).toEqual([1, 2, 3]);
    expect(third.ms).toBe(1.5);
    expect([...third.result]).toEqual([9, 8, 7, 6, 5]);
    expect(third.result.byteOffset % 8).toBe(0);
  });
});
