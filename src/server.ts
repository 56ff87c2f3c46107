// The service entry: config → buildApp → listen. On SIGTERM/SIGINT
// (close-with-grace): stop accepting, let requests and jobs in flight finish
// for SHUTDOWN_GRACE_MS, then cancel what still runs (the engine stops at its
// cancel flag), wait for the workers to leave the addon and close the pool;
// only then does the process exit (0). process.exit is never reached while a
// worker may be inside native code.
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { cancelInFlight } from './shutdown.js';

const cfg = loadConfig();
const app = await buildApp();

closeWithGrace(
  {
    // Last resort only: the grace period, plus time for cancelled jobs to return.
    delay: cfg.shutdownGraceMs + 30_000,
    logger: { error: (m: unknown) => app.log.error(m) },
  },
  async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'fatal error, shutting down');
    else app.log.info({ signal }, 'shutting down');
    const cancel = setTimeout(() => cancelInFlight(app), cfg.shutdownGraceMs);
    try {
      await app.close(); // stops listening, waits for requests, then closes the pool
    } finally {
      clearTimeout(cancel);
    }
    app.log.info('shut down');
  },
);

await app.listen({ port: cfg.port, host: cfg.host });
