// addon.runPrepared reads its options as one Float64Array (src/native.ts,
// runControl): the limits and flags it carries take effect, and a malformed
// block is an error, never a crash.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { GraphCompiler } from '../../src/ir/graph-cache.js';
import { jobData, programOf } from '../../src/ir/program-ref.js';
import { loadAddon, runControl } from '../../src/native.js';
import { prepared } from '../../src/worker/prepared.js';
import { unpackResult } from '../../src/worker/packed-result.js';

const cfg = loadConfig({});
const addon = loadAddon();
const body = { inputs: { a: [[1, 2], [3, 4]], b: { data: [[1, 0], [0, 1]], requires_grad: true } }, program: 'c = (a @ b).sum()', outputs: ['c'], backward: { of: 'c', wrt: ['b'] } };

function setup() {
  const g = new GraphCompiler(cfg).compile(body as never);
  return { p: prepared(addon, programOf(g)).program, data: jobData(g), out: g.outputs[0]!.slot };
}

// addon.run (the optimizer's and the un-prepared path) reads the same fields
// from an object; both paths share the conversions.
describe('run control as an object (addon.run)', () => {
  const tensor = (v: number) => ({ dtype: 'float32', shape: [1], data: Float32Array.of(v) });
  // x * y, then 40 more products (the deadline clock is read every 16 ops).
  const nodes = [{ op: 'mul', args: [{ t: 0 }, { t: 1 }] }, ...Array.from({ length: 40 }, (_, k) => ({ op: 'mul', args: [{ t: 2 + k }, { t: 1 }] }))];
  const job = (limits: Record<string, number>, deadlineMs?: number) => ({
    meta: false,
    inputs: [tensor(2), tensor(3)],
    nodes,
    outputs: [2],
    limits: { maxBytes: Infinity, maxFlops: Infinity, maxOps: Infinity, maxElements: Infinity, ...limits },
    cancel: new Int32Array(new SharedArrayBuffer(4)),
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
  });

  it('NaN limits mean none and a NaN deadline is already due, without undefined behaviour', () => {
    const r = addon.run(job({ maxFlops: NaN, maxBytes: NaN }));
    expect(Array.from(new Float32Array((r.slots[2] as { data: ArrayBuffer }).data))).toEqual([6]);
    expect(() => addon.run(job({ maxFlops: 0.5 }))).toThrow(expect.objectContaining({ code: 'GS_limit' }));
    expect(() => addon.run(job({}, NaN))).toThrow(expect.objectContaining({ code: 'GS_cancelled' }));
  });
});

describe('runPrepared control block', () => {
  it('runs with no limits (Infinity and NaN mean none) and answers the values', () => {
    const { p, data, out } = setup();
    const control = runControl({ check: true });
    control[3] = NaN;
    const r = unpackResult(addon.runPrepared(p, data, control) as ArrayBuffer);
    expect(r.cost.flops).toBeGreaterThan(0);
    const c = r.slots[out] as { data: Uint8Array };
    expect(Array.from(new Float32Array(c.data.buffer, c.data.byteOffset, 1))).toEqual([10]);
  });

  it('enforces the limits it carries (maxFlops, maxElements) with the engine\'s typed error', () => {
    const { p, data } = setup();
    expect(() => addon.runPrepared(p, data, runControl({ check: true, limits: { maxBytes: Infinity, maxFlops: 1, maxOps: Infinity, maxElements: Infinity } }))).toThrow(
      expect.objectContaining({ code: 'GS_limit', message: expect.stringContaining('MAX_JOB_FLOPS') }),
    );
    expect(() => addon.runPrepared(p, data, runControl({ limits: { maxBytes: Infinity, maxFlops: Infinity, maxOps: Infinity, maxElements: 3 } }))).toThrow(
      expect.objectContaining({ code: 'GS_limit', message: expect.stringContaining('MAX_TENSOR_ELEMENTS') }),
    );
  });

  it('answers shapes and cost alone for the dryRun flag', () => {
    const { p, data } = setup();
    const r = addon.runPrepared(p, data, runControl({ dryRun: true })) as { slots: Array<{ shape: number[] }>; cost: { flops: number } };
    expect(r.slots[r.slots.length - 1]!.shape).toEqual([]);
    expect(r.cost.flops).toBeGreaterThan(0);
  });

  it('refuses a malformed control block with an error, not a crash', () => {
    const { p, data } = setup();
    for (const bad of [{}, new Float32Array(6), new Float64Array(2), undefined])
      expect(() => addon.runPrepared(p, data, bad as never)).toThrow(expect.objectContaining({ code: 'GS_value', message: expect.stringContaining('control block') }));
    // Out-of-range flags are ignored, not converted (no undefined behaviour).
    const huge = runControl({});
    huge[0] = 1e300;
    expect(addon.runPrepared(p, data, huge)).toBeInstanceOf(ArrayBuffer);
  });
});
