// The peers' node:cluster front (echo, tfjs): WORKERS processes share the
// port, as uvicorn --workers does for the PyTorch peer. A process that dies
// takes the peer down (the bench then sees errors, not a silently smaller
// peer); SIGTERM/SIGINT stop every process.
import cluster from 'node:cluster';

/** In the primary with workers > 1: forks them and returns; otherwise runs serve(). */
export async function serveInProcesses(name, workers, serve) {
  if (!cluster.isPrimary || workers <= 1) return serve();
  for (let i = 0; i < workers; i++) cluster.fork();
  let stopping = false;
  cluster.on('exit', (_w, code, signal) => {
    if (stopping) return;
    console.error(`${name} worker exited (${signal ?? code})`);
    process.exit(1);
  });
  for (const sig of ['SIGTERM', 'SIGINT'])
    process.on(sig, () => {
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
      setTimeout(() => process.exit(0), 200).unref();
    });
}
