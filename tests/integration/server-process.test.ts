// The real server process: start on a fresh data folder, refuse a second server on the same
// folder, stop cleanly on SIGTERM (releasing the lock), reopen, and refuse bad configuration.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
let dataDir: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

interface Run {
  child: ChildProcess;
  exited: Promise<{ code: number | null; stderr: string; stdout: string }>;
}

function run(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['server/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.on('data', (d) => (stdout += d));
  const exited = new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr, stdout })),
  );
  return { child, exited };
}

async function waitHealthy(port: number, run: Run, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void run.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not become healthy: ${(await Promise.race([run.exited, Promise.resolve(undefined)]))?.stderr ?? ''}`);
}

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'entraide-proc-'));
});
afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

// Each test starts real server processes (a fresh embedded database takes seconds to create): a
// loaded machine needs more than the default 30 s.
describe('server process on the embedded database', { timeout: 120_000 }, () => {
  it('starts on a fresh folder, refuses a second server on it, stops on SIGTERM and reopens', async () => {
    const port = await freePort();
    const first = run({ DATA_DIR: dataDir, PORT: String(port) });
    try {
      await waitHealthy(port, first);
      const home = await fetch(`http://127.0.0.1:${port}/`, { headers: { accept: 'text/html' } });
      expect(home.status).toBe(200);
      expect(await home.text()).toContain('<html lang="fr">');

      const second = run({ DATA_DIR: dataDir, PORT: String(await freePort()) });
      const result = await second.exited;
      expect(result.code).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('already in use by another Entraide process');
    } finally {
      first.child.kill('SIGTERM');
    }
    const stopped = await first.exited;
    expect(stopped.code).toBe(0);

    // The lock is released at once: a new server opens the same folder straight away.
    const port2 = await freePort();
    const again = run({ DATA_DIR: dataDir, PORT: String(port2) });
    try {
      await waitHealthy(port2, again);
    } finally {
      again.child.kill('SIGINT');
    }
    expect((await again.exited).code).toBe(0);
  });

  it.each([
    ['PORT', 'abc'],
    ['DATABASE_URL', 'mysql://nope'],
    ['TRUST_PROXY', 'maybe'],
  ])('refuses to start with %s=%s, in one line naming the key', async (key, value) => {
    const r = run({ DATA_DIR: dataDir, [key]: value });
    const result = await r.exited;
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(key);
  });
});
