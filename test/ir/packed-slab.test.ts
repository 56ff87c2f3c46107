// Packed job buffers cut from shared slabs (src/ir/packed-slab.ts): zeroed,
// 8-byte aligned, never overlapping, large ones on their own.
import { describe, expect, it } from 'vitest';
import { packedBytes } from '../../src/ir/packed-slab.js';

describe('packedBytes', () => {
  it('cuts zeroed, 8-byte aligned views that never overlap, across slabs', () => {
    const views: Uint8Array[] = [];
    for (let i = 0; i < 2000; i++) {
      const v = packedBytes(1 + ((i * 37) % 300));
      expect(v.byteOffset % 8).toBe(0);
      expect(v.every((b) => b === 0)).toBe(true);
      v.fill(255);
      views.push(v);
    }
    const bySlab = new Map<ArrayBufferLike, Array<[number, number]>>();
    for (const v of views) bySlab.set(v.buffer, [...(bySlab.get(v.buffer) ?? []), [v.byteOffset, v.byteOffset + v.byteLength]]);
    expect(bySlab.size).toBeGreaterThan(1);
    for (const ranges of bySlab.values()) {
      ranges.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1]);
    }
  });

  it('gives a large buffer its own ArrayBuffer, and an empty one works', () => {
    const big = packedBytes(5000);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(5000);
    expect(packedBytes(0).byteLength).toBe(0);
  });
});
