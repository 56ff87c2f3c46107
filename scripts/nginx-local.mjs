// Runs deploy/nginx.conf unchanged on loopback: the config is copied verbatim
// into a prefix directory next to the two files it includes, which are written
// here (loopback upstreams instead of the compose service; a loopback listen
// port and a log file instead of stdout). Used by scripts/scale-test.mjs and
// test/deploy.test.ts (nginx -t).
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const nginxConf = path.join(repoRoot, 'deploy', 'nginx.conf');

/** The nginx binary (NGINX env, else Debian's /usr/sbin/nginx or PATH), or undefined. */
export function findNginx() {
  if (process.env.NGINX) return process.env.NGINX;
  for (const p of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx']) if (existsSync(p)) return p;
  const r = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

/**
 * Writes <dir>/nginx.conf (a copy of deploy/nginx.conf), gradserve-upstream.conf
 * and gradserve-server.conf. `upstreams` are "127.0.0.1:port" strings.
 */
export function renderNginx(dir, { listenPort, upstreams }) {
  mkdirSync(dir, { recursive: true });
  copyFileSync(nginxConf, path.join(dir, 'nginx.conf'));
  const servers = upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=2s;`).join('\n');
  writeFileSync(
    path.join(dir, 'gradserve-upstream.conf'),
    `# written by scripts/nginx-local.mjs\nupstream gradserve {\n    least_conn;\n    zone gradserve 64k;\n${servers}\n    keepalive 32;\n    keepalive_requests 10000;\n    keepalive_timeout 60s;\n}\n`,
  );
  writeFileSync(
    path.join(dir, 'gradserve-server.conf'),
    `# written by scripts/nginx-local.mjs\nlisten 127.0.0.1:${listenPort};\naccess_log ${path.join(dir, 'access.log')} gradserve;\n`,
  );
  return { conf: path.join(dir, 'nginx.conf'), accessLog: path.join(dir, 'access.log'), errorLog: path.join(dir, 'error.log') };
}

/** nginx's arguments for a rendered prefix: no daemon, pid and logs in `dir`. */
export function nginxArgs(dir, extra = []) {
  return ['-p', dir + path.sep, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log'), '-g', `daemon off; pid ${path.join(dir, 'nginx.pid')};`, ...extra];
}

/**
 * When this process is root, nginx runs as `nobody` (65534) instead: the prefix
 * directory is handed over to that user. Otherwise it runs as we do.
 */
export function unprivileged(dir) {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const id = 65534;
  chownSync(dir, id, id);
  for (const f of readdirSync(dir)) chownSync(path.join(dir, f), id, id);
  return { uid: id, gid: id };
}

/** `nginx -t` of a rendered prefix; returns { ok, output }. */
export function testNginx(nginx, dir) {
  const r = spawnSync(nginx, nginxArgs(dir, ['-t']), { encoding: 'utf8', ...unprivileged(dir) });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

/** Starts nginx in the foreground (daemon off) on a rendered prefix. */
export function startNginx(nginx, dir) {
  return spawn(nginx, nginxArgs(dir), { stdio: ['ignore', 'ignore', 'pipe'], ...unprivileged(dir) });
}
