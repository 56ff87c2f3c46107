import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { configTableMarkdown } from '../src/config-table.js';

describe('configuration', () => {
  it('has the defaults API.md documents', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.host).toBe('0.0.0.0');
    expect(c.workers).toBeGreaterThanOrEqual(1);
    expect(c.apiKey).toBeUndefined();
  });

  it('reads every variable and rejects malformed numbers', () => {
    const c = loadConfig({ PORT: '9000', WORKERS: '3', MAX_QUEUE: '7', JOB_DEADLINE_MS: '1234', API_KEY: 'k' });
    expect([c.port, c.workers, c.maxQueue, c.jobDeadlineMs, c.apiKey]).toEqual([9000, 3, 7, 1234, 'k']);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT must be a non-negative integer/);
  });

  it('runs one HTTP process unless PROCESSES asks for more, and never none', () => {
    expect(loadConfig({}).processes).toBe(1);
    expect(loadConfig({ PROCESSES: '4' }).processes).toBe(4);
    expect(() => loadConfig({ PROCESSES: '0' })).toThrow(/PROCESSES must be at least 1, got '0'/);
  });

  it('GEMM is auto unless set to openblas or builtin', () => {
    expect(loadConfig({}).gemm).toBe('auto');
    expect(loadConfig({ GEMM: 'builtin' }).gemm).toBe('builtin');
    expect(() => loadConfig({ GEMM: 'mkl' })).toThrow(/GEMM must be one of auto, openblas, builtin, got 'mkl'/);
  });

  it("matches the README's configuration table (regenerate with `node -e` per README)", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(configTableMarkdown());
  });
});
