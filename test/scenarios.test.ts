// The fast scenario scripts run against the real service (dist/, built by
// `npm test`'s pretest): deadlines and graceful shutdown. The slow ones
// (overload, fuzz over HTTP, soak, sanitizers, libfuzzer) are npm scripts.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function run(script: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [script], { cwd: new URL('..', import.meta.url).pathname, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 170_000 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

// Timing figures mean nothing against the (much slower) sanitized addon.
describe.skipIf(Boolean(process.env.GS_ADDON))('scenario scripts against the real service', () => {
  it('deadline: long kernels are answered 504 near the deadline (+100 ms in `npm run deadline`; more slack here, the suite shares the cores) and the worker is free right after', () => {
    const r = run('scripts/deadline.mjs', { JOB_DEADLINE_MS: '400', DEADLINE_SLACK_MS: '400' });
    expect(r.out).toContain('deadline: OK');
    expect(r.status).toBe(0);
  }, 180_000);
  it('shutdown: SIGTERM finishes in-flight jobs, cancels past the grace period, exits 0 without a native abort', () => {
    const r = run('scripts/shutdown.mjs', { SHUTDOWN_ROUNDS: '1' });
    expect(r.out).toContain('shutdown: OK');
    expect(r.status).toBe(0);
  }, 180_000);
});
