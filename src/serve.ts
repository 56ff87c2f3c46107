// One HTTP process: buildApp → listen. On SIGTERM/SIGINT (close-with-grace):
// stop accepting, let requests and jobs in flight finish for
// SHUTDOWN_GRACE_MS, then cancel what still runs (the engine stops at its
// cancel flag), wait for the workers to leave the addon and close the pool;
// only then does the process exit (0). process.exit is never reached while a
// worker may be inside native code.
import cluster from 'node:cluster';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { cancelInFlight } from './shutdown.js';

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export async function serve(cfg: Config): Promise<void> {
  const app = await buildApp();
  // Under a cluster primary (PROCESSES > 1) a stop signal may come twice: an
  // orchestrator's SIGTERM forwarded by the primary, or a terminal's Ctrl-C,
  // which reaches the whole process group and is forwarded as well.
  // close-with-grace exits at once (1) on a second signal, so here signals
  // only start the shutdown, once; a hard stop is the primary's job.
  const inCluster = cluster.isWorker;
  let signal: NodeJS.Signals | undefined;
  let closing = false;

  const grace = closeWithGrace(
    {
      // Last resort only: the grace period, plus time for cancelled jobs to return.
      delay: cfg.shutdownGraceMs + 30_000,
      logger: { error: (m: unknown) => app.log.error(m) },
      ...(inCluster ? { skip: [...STOP_SIGNALS] } : {}),
    },
    async ({ signal: received, err }) => {
      closing = true;
      if (err) app.log.error({ err }, 'fatal error, shutting down');
      else app.log.info({ signal: received ?? signal }, 'shutting down');
      const cancel = setTimeout(() => cancelInFlight(app), cfg.shutdownGraceMs);
      try {
        await app.close(); // stops listening, waits for requests, then closes the pool
      } finally {
        clearTimeout(cancel);
      }
      app.log.info('shut down');
    },
  );
  if (inCluster)
    for (const s of STOP_SIGNALS)
      process.on(s, () => {
        if (closing) return;
        signal = s;
        void grace.close();
      });

  await app.listen({ port: cfg.port, host: cfg.host });
}
