// The engine's own containers, checked directly in C++ (containers_check.cc):
// SmallVec against std::vector and PtrMap against std::unordered_map on random
// operation sequences, and the PooledAllocator's reuse, cross-thread frees and
// thread exit. Built twice: optimised (the pool on, as in the addon) and with
// AddressSanitizer + UndefinedBehaviorSanitizer when g++ supports them (the
// pool is off there, so ASan sees every object).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'gs-containers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hasGxx = spawnSync('g++', ['--version']).status === 0;

function build(name: string, flags: string[]): { exe?: string; error?: string } {
  const exe = join(dir, name);
  const src = [join(root, 'native', 'object_pool.cc'), join(root, 'test', 'native', 'containers_check.cc')];
  const r = spawnSync('g++', ['-std=c++17', '-Wall', '-Wextra', '-Werror', '-pthread', '-I', join(root, 'native'), ...flags, ...src, '-o', exe], { encoding: 'utf8' });
  return r.status === 0 ? { exe } : { error: r.stderr };
}

describe.skipIf(!hasGxx)('SmallVec, PtrMap and PooledAllocator (containers_check.cc)', () => {
  it('optimised build (pool on): matches std::vector and std::unordered_map, reuses freed blocks', () => {
    const b = build('containers', ['-O2']);
    expect(b.error).toBeUndefined();
    const r = spawnSync(b.exe!, [], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('ok');
  }, 120_000);

  it('under ASan and UBSan: no memory error, no leak, no undefined behaviour', (ctx) => {
    const san = ['-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined', '-fno-omit-frame-pointer'];
    const b = build('containers-sanitized', san);
    if (b.error && /cannot find -l(asan|ubsan)|libasan|libubsan/.test(b.error)) ctx.skip(); // g++ without its sanitizer runtimes
    expect(b.error).toBeUndefined();
    const r = spawnSync(b.exe!, [], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', LD_PRELOAD: '' } });
    expect(r.status, r.stderr.slice(0, 2000)).toBe(0);
    expect(r.stdout.trim()).toBe('ok');
  }, 180_000);
});
