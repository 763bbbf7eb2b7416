// What the benchmark scripts (bench/pages.ts, wall-and-post.ts, feed.ts, forum.ts, explain.ts) share:
// settings from the environment, child servers on free 127.0.0.1 ports (stopped by pid: SIGTERM,
// then SIGKILL after 15 s), autocannon runs, tables, machine and git facts, the cleanup on exit or
// SIGINT/SIGTERM; and, for the runs on the seeded database, its URL (loopback only), the manifests,
// a member signed in with a session row, the real server and the baselines, targets and their
// checks, and the results files. The CPU split and the report of wall-and-post.ts and forum.ts are
// in bench/measure-lib.ts.
//
// Each script runs alone in its process: the children started here are that script's children.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import autocannon from 'autocannon';
import pg from 'pg';
import { generateToken, hashToken } from '../server/services/tokens.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
export const HOST = '127.0.0.1';
/** The session cookie's name without an https PUBLIC_URL (removed from the server's env by serverEnv). */
export const SESSION_COOKIE = 'entraide_session';

// ---------------------------------------------------------------------------------------------
// Settings

/** Before anything is started: a plain message and out. */
export function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

export function intEnv(key: string, fallback: number, min: number, max: number): number {
  const raw = process.env[key]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) fail(`${key} must be a whole number between ${min} and ${max} (got "${raw}")`);
  return n;
}

/** How each target is loaded: seconds of discarded warm-up, then seconds measured. */
export interface LoadSettings {
  durationS: number;
  warmupS: number;
  connections: number;
}

// ---------------------------------------------------------------------------------------------
// Child processes

export interface Child {
  name: string;
  proc: ChildProcess;
  /** the last lines it wrote, shown when it fails or warns */
  output: string[];
  exited: Promise<void>;
}

const started: Child[] = [];
/** Every child started so far (stopped by the cleanup). */
export const children: readonly Child[] = started;

/** Runs `node <args…>` from the project root (process.execPath: the Node that runs the script). */
export function startChild(name: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of String(chunk).split('\n')) {
      if (line.trim() === '') continue;
      output.push(line);
      if (output.length > 50) output.shift();
    }
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  const child = { name, proc, output, exited };
  started.push(child);
  return child;
}

export function isRunning(child: Child): boolean {
  return child.proc.exitCode === null && child.proc.signalCode === null;
}

export async function stopChild(child: Child): Promise<void> {
  if (!isRunning(child) || child.proc.pid === undefined) return;
  child.proc.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    child.exited.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), 15_000);
    }),
  ]);
  clearTimeout(timer);
  if (timedOut && isRunning(child)) {
    console.error(`${child.name} (pid ${child.proc.pid}) ignored SIGTERM for 15 s; sending SIGKILL`);
    child.proc.kill('SIGKILL');
    await child.exited;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitForOk(url: string, child: Child, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(child)) {
      throw new Error(`${child.name} exited (code ${child.proc.exitCode ?? child.proc.signalCode}) before answering:\n${child.output.join('\n')}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${child.name} did not answer 200 on ${url} within ${timeoutMs / 1000} s:\n${child.output.join('\n')}`);
}

/** The real server's environment: production, warn-level logs, on HOST:port. */
export function serverEnv(port: number, dataDir: string, databaseUrl: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
  };
  // Plain HTTP on loopback: no https PUBLIC_URL (it would rename the session cookie), no proxy.
  delete env.PUBLIC_URL;
  delete env.TRUST_PROXY;
  // Without a database URL the server uses its embedded PGlite in DATA_DIR.
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;
  return env;
}

/** A baseline server's environment: nothing from ours but PATH. */
export function baselineEnv(port: number, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, PORT: String(port), ...extra, NODE_ENV: 'production' };
}

// ---------------------------------------------------------------------------------------------
// Measuring

export interface Load {
  url: string;
  headers?: Record<string, string>;
}

const autocannonOptions = (load: Load, s: LoadSettings) => ({ url: load.url, connections: s.connections, headers: load.headers ?? {} });

/** The discarded warm-up (none when warmupS is 0). */
export async function warmUp(load: Load, s: LoadSettings): Promise<void> {
  if (s.warmupS > 0) await autocannon({ ...autocannonOptions(load, s), duration: s.warmupS });
}

/** The measured run. */
export function loadRun(load: Load, s: LoadSettings): Promise<autocannon.Result> {
  return autocannon({ ...autocannonOptions(load, s), duration: s.durationS });
}

/** The figures every result row carries, in this order. */
export interface LoadFigures {
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMeanMs: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

export function loadFigures(r: autocannon.Result): LoadFigures {
  return {
    requestsPerSec: r.requests.average,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    latencyMeanMs: r.latency.average,
    requests: r.requests.total,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
  };
}

export function announceMeasuring(targets: number, s: LoadSettings): void {
  console.log(
    `Measuring ${targets} targets: ${s.durationS} s each after ${s.warmupS} s of warm-up, ${s.connections} connections ` +
      `(about ${Math.ceil((targets * (s.durationS + s.warmupS)) / 60)} min)…`,
  );
}

// ---------------------------------------------------------------------------------------------
// Reporting

/** autocannon records latencies in whole milliseconds: 0 means under one. */
export const ms = (v: number) => (v === 0 ? '<1' : v.toFixed(0));

/** A plain-text table: first column left-aligned, the others right-aligned. */
export function textTable(headers: string[], body: string[][]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  const line = (row: string[]) => row.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function markdownTable(headers: string[], body: string[][]): string {
  const line = (row: string[]) => `| ${row.join(' | ')} |`;
  return [line(headers), `|${headers.map((_, c) => (c === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...body.map(line)].join('\n');
}

function git(args: string[]): string | undefined {
  const res = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : undefined;
}

export interface GitState {
  commit: string | null;
  dirty: boolean;
}

export function gitState(): GitState {
  return { commit: git(['rev-parse', '--short', 'HEAD']) ?? null, dirty: (git(['status', '--porcelain']) ?? '') !== '' };
}

/** "abc1234", "abc1234 (with uncommitted changes)" or "unknown". */
export function describeCommit(g: GitState): string {
  return `${g.commit ?? 'unknown'}${g.dirty ? ' (with uncommitted changes)' : ''}`;
}

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    availableParallelism: os.availableParallelism(),
    totalMemoryMiB: Math.round(os.totalmem() / 1024 / 1024),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

export function autocannonVersion(): string {
  try {
    return (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The date as a file-name part: 2026-11-22T07-58-20Z. */
export const fileStamp = (date: Date) => date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');

// ---------------------------------------------------------------------------------------------
// Cleanup and exit

/**
 * Returns the cleanup (run once, however often it is called): stops every child, then runs the
 * script's own `andThen`. On SIGINT or SIGTERM it prints "<signal>: <stopping>", cleans up and exits
 * 130 or 143.
 */
export function cleanupOnExit(stopping: string, andThen: () => Promise<void>): () => Promise<void> {
  let cleaning: Promise<void> | undefined;
  const cleanup = () => {
    cleaning ??= (async () => {
      await Promise.allSettled(children.map(stopChild));
      await andThen();
    })();
    return cleaning;
  };
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: ${stopping}`);
      void cleanup().finally(() => process.exit(code));
    });
  }
  return cleanup;
}

/** Runs main, cleans up whatever happened and exits: 0, or 1 after printing the failure. */
export async function runAndExit(main: () => Promise<void>, cleanup: () => Promise<void>): Promise<never> {
  let exitCode = 0;
  try {
    await main();
  } catch (err) {
    console.error(`\nBenchmark failed: ${err instanceof Error ? err.message : String(err)}`);
    exitCode = 1;
  } finally {
    await cleanup();
  }
  process.exit(exitCode);
}

// ---------------------------------------------------------------------------------------------
// The seeded database (bench:seed, bench:seed-forum) and a member signed in on it

export const DEFAULT_BENCH_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/entraide_bench';
export const SEED_MANIFEST_PATH = path.join(RESULTS_DIR, 'seed-manifest.json');
export const FORUM_MANIFEST_PATH = path.join(RESULTS_DIR, 'forum-manifest.json');
export const CSRF_COOKIE = 'entraide_csrf';

/** Parses a database URL; anything but a loopback host is refused (message and exit 1). */
export function loopbackUrl(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    fail(`DATABASE_URL is not a URL: ${raw}`);
  }
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) fail(`only a Postgres on 127.0.0.1 is accepted (got host "${u.hostname}")`);
  return u;
}

/** DATABASE_URL (default: the bench database) on loopback, and the database's name. */
export function benchDatabaseUrl(): { databaseUrl: string; dbName: string } {
  const databaseUrl = process.env.DATABASE_URL?.trim() || DEFAULT_BENCH_DATABASE_URL;
  return { databaseUrl, dbName: decodeURIComponent(loopbackUrl(databaseUrl).pathname.slice(1)) };
}

/** A manifest written by a seed script; `missing` says what to run when there is none. */
export async function readManifest<T>(file: string, missing: string): Promise<T> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    throw new Error(`cannot read ${path.relative(ROOT, file)}: ${missing}`);
  }
}

/** A small pool on the seeded database (its errors are the run's, not the process's). */
export function openBenchPool(databaseUrl: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  pool.on('error', () => {});
  return pool;
}

/** The seeded database has `users` members: it is the one the manifest describes. */
export async function checkMemberCount(pool: pg.Pool, users: number | undefined): Promise<void> {
  const n = Number((await pool.query<{ n: string }>('select count(*) as n from users')).rows[0]!.n);
  if (n !== users) throw new Error(`the database has ${n} members, the manifest ${users}: seed again (npm run bench:seed -- --reset)`);
}

/** Signs a member in with a session row (deleted by the cleanup): the token to send and the row's id. */
export async function insertBenchSession(pool: pg.Pool, userId: number, userAgent = 'entraide-bench'): Promise<{ token: string; sessionId: string }> {
  const token = generateToken();
  const sessionId = hashToken(token);
  await pool.query(
    `insert into sessions (id, user_id, expires_at, last_seen_at, user_agent, ip) values ($1, $2, now() + interval '30 days', now(), $3, $4)`,
    [sessionId, userId, userAgent, HOST],
  );
  return { token, sessionId };
}

/** The cookies a signed-in browser sends: the session and the CSRF cookie its first page (`firstUrl`) set. */
export async function signedInHeaders(firstUrl: string, token: string): Promise<Record<string, string>> {
  const first = await fetch(firstUrl, { headers: { cookie: `${SESSION_COOKIE}=${token}` } });
  await first.arrayBuffer();
  const csrf = /entraide_csrf=([^;]+)/.exec(first.headers.get('set-cookie') ?? '')?.[1];
  if (!csrf) throw new Error('the server set no CSRF cookie on a signed-in page');
  return { cookie: `${SESSION_COOKIE}=${token}; ${CSRF_COOKIE}=${csrf}` };
}

/** What a run on the seeded database holds, released by its cleanup. */
export interface Held {
  pool?: pg.Pool;
  sessionId?: string;
  tmpDir?: string;
  /** keep tmpDir (it holds the CPU profile) */
  keepTmpDir?: boolean;
}

/** The cleanup of a run on the seeded database: children stopped, session row deleted, pool closed, tmpDir removed. */
export function cleanupHeld(held: Held): () => Promise<void> {
  return cleanupOnExit('stopping the servers and removing the session…', async () => {
    if (held.pool && held.sessionId) await held.pool.query('delete from sessions where id = $1', [held.sessionId]).catch(() => {});
    await held.pool?.end().catch(() => {});
    held.pool = undefined;
    if (held.tmpDir && !held.keepTmpDir) await fs.rm(held.tmpDir, { recursive: true, force: true });
  });
}

export async function postgresVersion(pool: pg.Pool): Promise<string> {
  return (await pool.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]!.v;
}

// ---------------------------------------------------------------------------------------------
// The servers and targets of a run on the seeded database

export interface Servers {
  app: Child;
  dbBase: Child;
  bare?: Child;
  appUrl: string;
  select1Url: string;
  bareUrl?: string;
  /** where the server writes its CPU profile (with `profile`) */
  profileDir: string;
}

/**
 * Starts the real server (under --cpu-prof with `profile`), the select-1 baseline and, with `bare`,
 * the bare Fastify baseline on free ports; waits until each answers.
 */
export async function startServers(o: { tmpDir: string; databaseUrl: string; profile?: boolean; bare?: boolean }): Promise<Servers> {
  const [appPort, dbBasePort] = [await freePort(), await freePort()];
  const barePort = o.bare ? await freePort() : undefined;
  const profileDir = path.join(o.tmpDir, 'profile');
  const appArgs = o.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, 'server/main.ts'] : ['server/main.ts'];
  const app = startChild('entraide server', appArgs, serverEnv(appPort, path.join(o.tmpDir, 'data'), o.databaseUrl));
  const dbBase = startChild('select-1 baseline', ['bench/baseline-db-server.ts'], baselineEnv(dbBasePort, { DATABASE_URL: o.databaseUrl }));
  const bare = barePort === undefined ? undefined : startChild('bare baseline', ['bench/baseline-server.ts'], baselineEnv(barePort));
  const s: Servers = {
    app,
    dbBase,
    bare,
    appUrl: `http://${HOST}:${appPort}`,
    select1Url: `http://${HOST}:${dbBasePort}/`,
    bareUrl: barePort === undefined ? undefined : `http://${HOST}:${barePort}/`,
    profileDir,
  };
  await Promise.all([waitForOk(`${s.appUrl}/healthz`, app), waitForOk(s.select1Url, dbBase), ...(bare ? [waitForOk(s.bareUrl!, bare)] : [])]);
  console.log(
    `Servers ready: entraide pid ${app.proc.pid} on ${s.appUrl}${o.profile ? ' (--cpu-prof)' : ''}, select-1 baseline pid ${dbBase.proc.pid}${bare ? `, bare baseline pid ${bare.proc.pid}` : ''}`,
  );
  return s;
}

/**
 * Signs `userId` in with a session row (on `pool`), starts the servers (startServers) in a new temporary folder
 * named after `tmpPrefix`, and returns them with the signed-in cookies (the CSRF cookie set by
 * `firstPath`). The session row and the folder go into `held`, for its cleanup.
 */
export async function signInAndStart(
  pool: pg.Pool,
  held: Held,
  o: { userId: number; databaseUrl: string; tmpPrefix: string; firstPath: string; profile?: boolean; bare?: boolean },
): Promise<Servers & { signedIn: Record<string, string> }> {
  const { token, sessionId } = await insertBenchSession(pool, o.userId);
  held.sessionId = sessionId;
  held.tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), o.tmpPrefix));
  const servers = await startServers({ tmpDir: held.tmpDir, databaseUrl: o.databaseUrl, profile: o.profile, bare: o.bare });
  return { ...servers, signedIn: await signedInHeaders(`${servers.appUrl}${o.firstPath}`, token) };
}

export interface Target extends Load {
  key: string;
  name: string;
  /** the process that serves it, for the CPU split */
  server: Child;
  kind: 'baseline' | 'reference' | 'page';
  /** what is wrong with the page, if anything */
  check: (body: string) => string | undefined;
}

/** The select-1 baseline (first), the bare Fastify reference (when started) and select 1 again (last, for drift). */
export function baselineTargets(s: Servers): { select1: Target; bare?: Target; select1Again: Target } {
  const check = (b: string) => (b === 'ok 1' ? undefined : `unexpected body ${b}`);
  return {
    select1: { key: 'select1', name: 'select 1 (Fastify + pg)', url: s.select1Url, server: s.dbBase, kind: 'baseline', check },
    bare: s.bare && { key: 'bare', name: 'bare Fastify (no db)', url: s.bareUrl!, server: s.bare, kind: 'reference', check: () => undefined },
    select1Again: { key: 'select1-again', name: 'select 1 again (drift)', url: s.select1Url, server: s.dbBase, kind: 'reference', check },
  };
}

export const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

/** One request, checked: 200 and the target's own check. */
export async function checkTarget(target: Target): Promise<void> {
  const res = await fetch(target.url, { headers: target.headers ?? {}, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${target.name}: ${target.url} answered ${res.status}, expected 200:\n${body.slice(0, 500)}`);
  const problem = target.check(body);
  if (problem) throw new Error(`${target.name}: ${problem}`);
}

/** The results files: bench/results/<prefix>-<date>.md and .json. */
export async function writeResults(prefix: string, started: Date, markdown: string, report: unknown): Promise<void> {
  await fs.mkdir(RESULTS_DIR, { recursive: true });
  const base = path.join(RESULTS_DIR, `${prefix}-${fileStamp(started)}`);
  await fs.writeFile(`${base}.md`, markdown);
  await fs.writeFile(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nWrote ${path.relative(ROOT, base)}.md and .json`);
}
