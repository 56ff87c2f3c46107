import type { ChildProcess } from 'node:child_process';
export declare const repoRoot: string;
export declare const nginxConf: string;
export declare function findNginx(): string | undefined;
export declare function renderNginx(dir: string, opts: { listenPort: number; upstreams: string[] }): { conf: string; accessLog: string; errorLog: string };
export declare function nginxArgs(dir: string, extra?: string[]): string[];
export declare function unprivileged(dir: string): { uid?: number; gid?: number };
export declare function testNginx(nginx: string, dir: string): { ok: boolean; output: string };
export declare function startNginx(nginx: string, dir: string): ChildProcess;
