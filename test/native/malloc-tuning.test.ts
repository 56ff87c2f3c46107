// MALLOC_RETAIN_BYTES (src/malloc-tuning.ts): when glibc's thresholds are
// set, and that freed memory is then reused warm. The effect is counted in
// page faults, not timed: a child process allocates and fills three 20 MB
// buffers, drops them, and repeats; with glibc's defaults every round faults
// in all ~15k pages again (the freed 60 MB exceeds its trim threshold), with
// the tuning only the first round does (measured: 15393, then 0-9 per round).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tuneMalloc } from '../../src/malloc-tuning.js';
import { loadAddon, type NativeAddon } from '../../src/native.js';
import { loadConfig } from '../../src/config.js';

function fake(result = true) {
  const calls: Array<[number, number]> = [];
  const stub = { tuneMalloc: (m: number, t: number) => (calls.push([m, t]), result) } as unknown as NativeAddon;
  return { stub, calls };
}

describe('malloc tuning decisions', () => {
  it('applies the mmap threshold at 32 MiB and the trim threshold at MALLOC_RETAIN_BYTES', () => {
    const f = fake();
    expect(tuneMalloc(128 << 20, f.stub, {})).toMatchObject({ applied: true });
    expect(f.calls).toEqual([[32 << 20, 128 << 20]]);
  });

  it('leaves glibc alone at 0, when glibc is configured by its own variables, or where it is not glibc', () => {
    for (const env of [{ MALLOC_TRIM_THRESHOLD_: '1000' }, { MALLOC_MMAP_THRESHOLD_: '1' }, { GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1' }]) {
      const f = fake();
      expect(tuneMalloc(1 << 20, f.stub, env)).toMatchObject({ applied: false, why: expect.stringContaining(Object.keys(env)[0]!) });
      expect(f.calls).toEqual([]);
    }
    const f = fake();
    expect(tuneMalloc(0, f.stub, {})).toMatchObject({ applied: false });
    expect(f.calls).toEqual([]);
    expect(tuneMalloc(1 << 20, fake(false).stub, {})).toMatchObject({ applied: false, why: expect.stringContaining('not glibc') });
  });

  it('MALLOC_RETAIN_BYTES defaults to 128 MiB and must fit in an int', () => {
    expect(loadConfig({}).mallocRetainBytes).toBe(128 * 1024 * 1024);
    expect(loadConfig({ MALLOC_RETAIN_BYTES: '0' }).mallocRetainBytes).toBe(0);
    expect(() => loadConfig({ MALLOC_RETAIN_BYTES: String(2 ** 31) })).toThrow(/MALLOC_RETAIN_BYTES must be at most 2147483647/);
  });

  it('the addon refuses values mallopt cannot take, with a typed error', () => {
    expect(() => loadAddon().tuneMalloc(64 << 20, 0)).toThrow(expect.objectContaining({ code: 'GS_value' }));
    expect(() => loadAddon().tuneMalloc(0, 2 ** 31)).toThrow(expect.objectContaining({ code: 'GS_value' }));
  });
});

// The child: page faults per round of three 20 MB buffers, after tuneMalloc (or not).
const CHILD = `
const { tuneMalloc } = await import(process.argv[1]);
const { loadAddon } = await import(process.argv[2]);
const tuned = process.argv[3] === 'tune' ? tuneMalloc(128 * 1024 * 1024, loadAddon(), {}).applied : false;
const faults = () => process.resourceUsage().minorPageFault;
const rounds = [];
for (let i = 0; i < 8; i++) {
  const f0 = faults();
  let bufs = [0, 1, 2].map(() => Buffer.allocUnsafe(20 << 20).fill(1));
  rounds.push(faults() - f0);
  bufs = null;
  globalThis.gc();
  // V8 frees array buffers' memory from its sweeper, which may lag the gc() call.
  await new Promise((r) => setTimeout(r, 20));
}
console.log(JSON.stringify({ tuned, rounds }));
`;

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;

function faultsPerRound(mode: 'tune' | 'defaults'): { tuned: boolean; rounds: number[] } {
  const dist = (f: string) => fileURLToPath(new URL(`../../dist/${f}`, import.meta.url));
  const env = { ...process.env };
  for (const k of ['MALLOC_TRIM_THRESHOLD_', 'MALLOC_MMAP_THRESHOLD_', 'GLIBC_TUNABLES']) delete env[k];
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', CHILD, dist('malloc-tuning.js'), dist('native.js'), mode], { env, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

// buildApp applies MALLOC_RETAIN_BYTES at start and logs what it did (a child
// process: the setting is process-wide).
function appTuning(retain: string): { applied: boolean; why: string } {
  const app = fileURLToPath(new URL('../../dist/app.js', import.meta.url));
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', MALLOC_RETAIN_BYTES: retain, WORKERS: '1' };
  for (const k of ['MALLOC_TRIM_THRESHOLD_', 'MALLOC_MMAP_THRESHOLD_', 'GLIBC_TUNABLES']) delete env[k];
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', `const { buildApp } = await import(process.argv[1]); const app = await buildApp(); await app.close();`, app], { env, encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.includes('"msg":"malloc tuning"'));
  expect(line, out.slice(0, 500)).toBeDefined();
  return JSON.parse(line!);
}

describe('the service applies MALLOC_RETAIN_BYTES at start', () => {
  const mallopt = loadAddon().tuneMalloc(32 << 20, 128 << 20);

  it.runIf(mallopt)('applied by default, not with 0', () => {
    expect(appTuning('')).toMatchObject({ applied: true, why: expect.stringContaining('134217728 bytes') });
    expect(appTuning('0')).toMatchObject({ applied: false, why: expect.stringContaining('MALLOC_RETAIN_BYTES=0') });
  });
});

describe('freed memory is reused warm', () => {
  // glibc's malloc takes the settings (the apps of other tests in this process
  // set the same); an ASan build's allocator or musl would not.
  const mallopt = loadAddon().tuneMalloc(32 << 20, 128 << 20);

  it.runIf(mallopt)('with the tuning, rounds after the first fault in almost no pages; with glibc defaults each round faults them all in', () => {
    const tuned = faultsPerRound('tune');
    expect(tuned.tuned).toBe(true);
    const pages = (3 * 20 * 2 ** 20) / 4096; // 15360
    expect(tuned.rounds[0]).toBeGreaterThan(pages * 0.9);
    // Medians: a round may still find one buffer not yet freed (a busy machine delays the sweeper).
    expect(median(tuned.rounds.slice(1))).toBeLessThan(pages * 0.05);
    const defaults = faultsPerRound('defaults');
    expect(defaults.tuned).toBe(false);
    expect(median(defaults.rounds.slice(1))).toBeGreaterThan(pages * 0.5);
  });
});
