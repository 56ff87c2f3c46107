// The cluster primary (PROCESSES > 1). Node 20 has no reusePort, so several
// HTTP processes share one port through node:cluster: the primary listens,
// accepts and hands each connection to a process in turn. Each process is the
// whole service (src/serve.ts: its own worker threads, compile cache, queue
// and limits). The primary only:
// - forks PROCESSES processes and replaces one that exits unexpectedly,
//   unless they keep failing at start (then it stops and exits 1, so the
//   orchestrator restarts the service instead of a loop running here);
// - forwards SIGTERM/SIGINT so each process shuts down gracefully, and exits
//   once all have (0, or 1 if one of them did not exit cleanly);
// - aggregates /metrics across the processes (src/cluster-metrics.ts).
// It is not in the request path beyond accepting, and never loads the app.
import cluster, { type Worker } from 'node:cluster';
import { pino } from 'pino';
import { serveClusterMetrics } from './cluster-metrics.js';
import type { Config } from './config.js';

/** A process that exits this soon after it was forked failed to start (or crashes at once). */
const EARLY_EXIT_MS = 10_000;
/** This many early exits within CRASH_WINDOW_MS: a crash loop, the primary gives up. */
const MAX_EARLY_EXITS = 5;
const CRASH_WINDOW_MS = 60_000;
/** A stop signal this soon after the first is the same one delivered twice. */
const SAME_SIGNAL_MS = 1000;

export function runPrimary(cfg: Config): void {
  // Synchronous writes: the primary logs little, and its lines must be out,
  // in order, before it exits.
  const log = pino({ level: cfg.logLevel }, pino.destination({ sync: true }));
  const forkedAt = new Map<Worker, number>(); // the live processes
  const listening = new Set<Worker>();
  let earlyExits: number[] = [];
  let stopping = false;
  let failed = false;

  const fork = (): void => {
    const w = cluster.fork();
    forkedAt.set(w, performance.now());
    log.info({ process: w.process.pid }, 'process started');
  };

  const stop = (signal: NodeJS.Signals): void => {
    stopping = true;
    for (const w of forkedAt.keys()) w.process.kill(signal);
    // Last resort, as close-with-grace's delay in each process: the grace
    // period, then time for cancelled jobs to return, then a little more.
    setTimeout(() => {
      log.error({ processes: [...forkedAt.keys()].map((w) => w.process.pid) }, 'processes still running after the grace period: killing them');
      for (const w of forkedAt.keys()) w.process.kill('SIGKILL');
      process.exit(1);
    }, cfg.shutdownGraceMs + 35_000).unref();
    if (forkedAt.size === 0) process.exit(failed ? 1 : 0);
  };

  cluster.on('listening', (w, address) => {
    listening.add(w);
    log.info({ process: w.process.pid, port: address.port }, 'process listening');
    if (listening.size === cfg.processes) log.info({ processes: cfg.processes }, 'every process listening');
  });

  cluster.on('exit', (w, code, signal) => {
    const uptimeMs = Math.round(performance.now() - (forkedAt.get(w) ?? 0));
    const wasListening = listening.delete(w);
    forkedAt.delete(w);
    const pid = w.process.pid;
    if (stopping) {
      // A process stopped before it listened had nothing in flight, however it went.
      const clean = code === 0 || !wasListening;
      if (clean) log.info({ process: pid, code, signal }, 'process exited');
      else {
        failed = true;
        log.error({ process: pid, code, signal }, 'process exited with an error while shutting down');
      }
      if (forkedAt.size === 0) {
        log.info({ code: failed ? 1 : 0 }, 'shut down');
        process.exit(failed ? 1 : 0);
      }
      return;
    }
    log.error({ process: pid, code, signal, uptimeMs }, 'process exited unexpectedly');
    const now = performance.now();
    if (uptimeMs < EARLY_EXIT_MS) earlyExits = [...earlyExits.filter((t) => now - t < CRASH_WINDOW_MS), now];
    if (earlyExits.length >= MAX_EARLY_EXITS) {
      log.fatal({ earlyExits: earlyExits.length, withinMs: CRASH_WINDOW_MS }, `processes keep exiting within ${EARLY_EXIT_MS} ms of their start: giving up`);
      failed = true;
      stop('SIGTERM');
      return;
    }
    fork();
  });

  let stopSignalAt = 0;
  for (const s of ['SIGTERM', 'SIGINT'] as const)
    process.on(s, () => {
      const now = performance.now();
      if (!stopping) {
        stopSignalAt = now;
        log.info({ signal: s }, 'shutting down');
        return stop(s);
      }
      // The same stop delivered twice: a terminal's Ctrl-C reaches the whole
      // process group, and a wrapper (npm start, timeout) forwards it again.
      if (now - stopSignalAt < SAME_SIGNAL_MS) return;
      // A second signal (Ctrl-C twice): stop now, as a single process does.
      log.error({ signal: s }, `second ${s}, killing the processes`);
      for (const w of forkedAt.keys()) w.process.kill('SIGKILL');
      process.exit(1);
    });

  serveClusterMetrics();
  log.info({ processes: cfg.processes, workersEach: cfg.workers }, 'cluster primary starting');
  for (let i = 0; i < cfg.processes; i++) fork();
}
