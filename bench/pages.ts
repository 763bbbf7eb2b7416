// Page benchmark: `npm run bench`.
//
// Seeds a throwaway database, starts the real server (node server/main.ts) and a bare Fastify
// baseline as child processes on free 127.0.0.1 ports, then measures a few pages with autocannon:
// the baseline route, the home page (anonymous and signed in) and the login page. Prints a table,
// writes bench/results/pages-<date>.md and bench/results/latest.json, then stops both servers and
// removes the temporary folder, whatever happened.
//
// Settings (environment):
//   BENCH_DURATION     seconds measured per target            (default 10)
//   BENCH_CONNECTIONS  concurrent connections                 (default 10)
//   BENCH_WARMUP       seconds of discarded warm-up per target (default 2, 0 = none)
//   BENCH_USERS        accounts seeded                        (default 1000)
//   DATABASE_URL       benchmark against this Postgres instead of the embedded PGlite. It is
//                      migrated and seeded (rows are added, never removed): point it at a
//                      throwaway database.
//
// Everything runs on this machine: the load generator shares its CPUs with the servers, so the
// figures compare pages with each other and with the baseline, not with other machines.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import autocannon from 'autocannon';
import { openPglite, openPostgres, type DatabaseHandle } from '../server/db/connection.ts';
import { migrateToLatest } from '../server/db/migrator.ts';
import { insertUser } from '../server/repos/users.ts';
import { insertSession } from '../server/repos/sessions.ts';
import { insertAuditEvent } from '../server/repos/audit.ts';
import { hashPassword } from '../server/services/passwords.ts';
import { generateToken, hashToken } from '../server/services/tokens.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
const HOST = '127.0.0.1';
const SESSION_COOKIE = 'entraide_session'; // the name without PUBLIC_URL=https://… (removed from the child's env below)

function intEnv(key: string, fallback: number, min: number, max: number): number {
  const raw = process.env[key]?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    // Nothing is started yet: a plain message and out.
    console.error(`${key} must be a whole number between ${min} and ${max} (got "${raw}")`);
    process.exit(1);
  }
  return n;
}

const settings = {
  durationS: intEnv('BENCH_DURATION', 10, 1, 3600),
  connections: intEnv('BENCH_CONNECTIONS', 10, 1, 10_000),
  warmupS: intEnv('BENCH_WARMUP', 2, 0, 600),
  users: intEnv('BENCH_USERS', 1000, 2, 1_000_000),
};
const databaseUrl = process.env.DATABASE_URL?.trim() || undefined;

// ---------------------------------------------------------------------------------------------
// Child processes

interface Child {
  name: string;
  proc: ChildProcess;
  /** the last lines it wrote, shown when it fails or warns */
  output: string[];
  exited: Promise<void>;
}

const children: Child[] = [];

function startChild(name: string, script: string, env: NodeJS.ProcessEnv): Child {
  // process.execPath is the Node that runs this script (the project's pinned one under npm run).
  const proc = spawn(process.execPath, [script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
  children.push(child);
  return child;
}

function isRunning(child: Child): boolean {
  return child.proc.exitCode === null && child.proc.signalCode === null;
}

async function stopChild(child: Child): Promise<void> {
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

function freePort(): Promise<number> {
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForOk(url: string, child: Child, timeoutMs = 60_000): Promise<void> {
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

// ---------------------------------------------------------------------------------------------
// Seeding

interface Seeded {
  viewerToken: string;
  viewerDisplayName: string;
  users: number;
  sessions: number;
  auditEvents: number;
}

async function seed(database: DatabaseHandle, users: number): Promise<Seeded> {
  await migrateToLatest(database.db);
  // One argon2 hash for everyone: hashing costs tens of milliseconds and is not what is measured.
  const passwordHash = await hashPassword('bench-password-not-a-secret');
  // A run prefix keeps handles unique when a Postgres database is reused.
  const run = Math.random().toString(36).slice(2, 8);
  const viewerToken = generateToken();
  const expiresAt = new Date(Date.now() + 30 * 86_400_000);
  let viewerDisplayName = '';
  let sessions = 0;
  let auditEvents = 0;

  await database.db.transaction().execute(async (trx) => {
    for (let i = 1; i <= users; i++) {
      const user = await insertUser(trx, {
        handle: `b${run}_${i}`,
        email: `b${run}_${i}@bench.invalid`,
        display_name: `Bench person ${i}`,
        password_hash: passwordHash,
        role: i === 1 ? 'admin' : i <= 5 ? 'moderator' : 'member',
        status: 'active',
        locale: i % 2 === 0 ? 'en' : 'fr',
        invited_by: null,
      });
      // Every account has a session, so the signed-in lookup searches a realistically sized table.
      // The viewer (a plain member) keeps the token; the others' tokens are thrown away.
      const isViewer = i === 10;
      const token = isViewer ? viewerToken : generateToken();
      await insertSession(trx, { id: hashToken(token), userId: user.id, expiresAt, userAgent: 'entraide-bench', ip: HOST });
      sessions += 1;
      if (isViewer) viewerDisplayName = user.display_name;
      await insertAuditEvent(trx, { action: 'auth.signup', targetUserId: user.id, actorId: user.id, ip: HOST });
      await insertAuditEvent(trx, { action: 'auth.login', actorId: user.id, ip: HOST });
      auditEvents += 2;
    }
  });
  return { viewerToken, viewerDisplayName, users, sessions, auditEvents };
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface Target {
  name: string;
  url: string;
  headers?: Record<string, string>;
  /** text the page must contain, checked once before measuring */
  mustContain?: string;
  mustNotContain?: string;
}

interface Row {
  target: string;
  url: string;
  requestsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMeanMs: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  throughputBytesPerSec: number;
  statusCodes: Record<string, number>;
}

async function check(target: Target): Promise<void> {
  const res = await fetch(target.url, { headers: target.headers ?? {}, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${target.name}: ${target.url} answered ${res.status}, expected 200`);
  if (target.mustContain && !body.includes(target.mustContain)) {
    throw new Error(`${target.name}: the page does not contain "${target.mustContain}"`);
  }
  if (target.mustNotContain && body.includes(target.mustNotContain)) {
    throw new Error(`${target.name}: the page contains "${target.mustNotContain}"`);
  }
}

async function measure(target: Target): Promise<Row> {
  const base = { url: target.url, connections: settings.connections, headers: target.headers ?? {} };
  if (settings.warmupS > 0) await autocannon({ ...base, duration: settings.warmupS });
  const r = await autocannon({ ...base, duration: settings.durationS });
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  return {
    target: target.name,
    url: new URL(target.url).pathname,
    requestsPerSec: r.requests.average,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    latencyMeanMs: r.latency.average,
    requests: r.requests.total,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    throughputBytesPerSec: r.throughput.average,
    statusCodes,
  };
}

// ---------------------------------------------------------------------------------------------
// Reporting

const HEADERS = ['Target', 'Req/s (mean)', 'vs baseline', 'p50 ms', 'p99 ms', 'Requests', 'Errors', 'Non-2xx'];

/** autocannon records latencies in whole milliseconds: 0 means under one. */
const ms = (v: number) => (v === 0 ? '<1' : v.toFixed(0));

function cells(rows: Row[]): string[][] {
  const baseline = rows[0]?.requestsPerSec ?? 0;
  return rows.map((r, i) => [
    r.target,
    r.requestsPerSec.toFixed(0),
    i === 0 || baseline === 0 ? '—' : `${((r.requestsPerSec / baseline) * 100).toFixed(1)} %`,
    ms(r.latencyP50Ms),
    ms(r.latencyP99Ms),
    String(r.requests),
    String(r.errors),
    String(r.non2xx),
  ]);
}

function textTable(rows: Row[]): string {
  const body = cells(rows);
  const widths = HEADERS.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  const line = (row: string[]) => row.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ');
  return [line(HEADERS), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function markdownTable(rows: Row[]): string {
  const line = (row: string[]) => `| ${row.join(' | ')} |`;
  return [line(HEADERS), `|${HEADERS.map((_, c) => (c === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...cells(rows).map(line)].join('\n');
}

function git(args: string[]): string | undefined {
  const res = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : undefined;
}

function machineInfo() {
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

function autocannonVersion(): string {
  try {
    return (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

// ---------------------------------------------------------------------------------------------

let tmpDir: string | undefined;
let seedDatabase: DatabaseHandle | undefined;
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.allSettled(children.map(stopChild));
    await seedDatabase?.close().catch(() => {});
    seedDatabase = undefined;
    if (tmpDir) await fs.rm(tmpDir, { recursive: true, force: true });
  })();
  return cleaning;
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the servers and removing the temporary folder…`);
    void cleanup().finally(() => process.exit(code));
  });
}

async function main(): Promise<void> {
  const started = new Date();
  const kind = databaseUrl ? 'postgres' : 'pglite';
  tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), 'entraide-bench-'));
  const dataDir = path.join(tmpDir, 'data');

  console.log(`Seeding ${settings.users} accounts into ${kind === 'pglite' ? `PGlite at ${dataDir}` : 'the Postgres of DATABASE_URL'}…`);
  let t = performance.now();
  seedDatabase = databaseUrl ? openPostgres(databaseUrl, { max: 2 }) : await openPglite({ dataDir });
  const seeded = await seed(seedDatabase, settings.users);
  // PGlite holds an exclusive lock on the folder: it must be closed before the server opens it.
  await seedDatabase.close();
  seedDatabase = undefined;
  console.log(`  seeded in ${((performance.now() - t) / 1000).toFixed(1)} s (${seeded.sessions} sessions, ${seeded.auditEvents} audit events)`);

  const [appPort, baselinePort] = [await freePort(), await freePort()];
  const serverEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(appPort),
    HOST,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
  };
  // Plain HTTP on loopback: no https PUBLIC_URL (it would rename the session cookie), no proxy.
  delete serverEnv.PUBLIC_URL;
  delete serverEnv.TRUST_PROXY;
  if (!databaseUrl) delete serverEnv.DATABASE_URL;

  t = performance.now();
  const app = startChild('entraide server', 'server/main.ts', serverEnv);
  const baseline = startChild('baseline server', 'bench/baseline-server.ts', { PATH: process.env.PATH, PORT: String(baselinePort), NODE_ENV: 'production' });
  const appUrl = `http://${HOST}:${appPort}`;
  const baselineUrl = `http://${HOST}:${baselinePort}`;
  await Promise.all([waitForOk(`${appUrl}/healthz`, app), waitForOk(`${baselineUrl}/`, baseline)]);
  console.log(`  servers ready in ${((performance.now() - t) / 1000).toFixed(1)} s (entraide pid ${app.proc.pid} on ${appUrl}, baseline pid ${baseline.proc.pid} on ${baselineUrl})`);

  const signedIn = { cookie: `${SESSION_COOKIE}=${seeded.viewerToken}` };
  const targets: Target[] = [
    { name: 'baseline (bare Fastify)', url: `${baselineUrl}/` },
    { name: 'GET / anonymous', url: `${appUrl}/`, mustContain: 'href="/login"', mustNotContain: seeded.viewerDisplayName },
    { name: 'GET /login anonymous', url: `${appUrl}/login`, mustContain: 'name="_csrf"' },
    { name: 'GET / signed in', url: `${appUrl}/`, headers: signedIn, mustContain: seeded.viewerDisplayName },
  ];
  for (const target of targets) await check(target);

  console.log(
    `Measuring ${targets.length} targets: ${settings.durationS} s each after ${settings.warmupS} s of warm-up, ${settings.connections} connections ` +
      `(about ${Math.ceil((targets.length * (settings.durationS + settings.warmupS)) / 60)} min)…`,
  );
  const rows: Row[] = [];
  for (const target of targets) {
    if (!isRunning(app) || !isRunning(baseline)) throw new Error(`a server stopped during the run:\n${[...app.output, ...baseline.output].join('\n')}`);
    process.stdout.write(`  ${target.name}… `);
    const row = await measure(target);
    rows.push(row);
    console.log(`${row.requestsPerSec.toFixed(0)} req/s`);
  }

  const table = textTable(rows);
  const machine = machineInfo();
  console.log(`\n${table}\n`);
  console.log(
    `${machine.cpus} × ${machine.cpuModel}, ${machine.totalMemoryMiB} MiB, Node ${machine.node}, database ${kind}; ` +
      `${settings.connections} connections, ${settings.durationS} s per target`,
  );
  if (app.output.length > 0) {
    console.log(`\nThe server wrote ${app.output.length} line(s) at warn level or above (last ones):\n${app.output.slice(-10).join('\n')}`);
  }

  const commit = git(['rev-parse', '--short', 'HEAD']);
  const dirty = (git(['status', '--porcelain']) ?? '') !== '';
  const report = {
    date: started.toISOString(),
    machine,
    database: { kind, seededUsers: seeded.users, seededSessions: seeded.sessions, seededAuditEvents: seeded.auditEvents },
    settings: { durationS: settings.durationS, warmupS: settings.warmupS, connections: settings.connections, pipelining: 1 },
    autocannon: autocannonVersion(),
    git: { commit: commit ?? null, dirty },
    results: rows,
  };

  const stamp = started.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const markdown = [
    `# Page benchmark — ${started.toISOString()}`,
    '',
    `- Machine: ${machine.cpus} × ${machine.cpuModel} (${machine.availableParallelism} usable), ${machine.totalMemoryMiB} MiB, ${machine.platform}`,
    `- Node ${machine.node}, autocannon ${report.autocannon}; load generator on the same machine`,
    `- Database: ${kind}, seeded with ${seeded.users} accounts, ${seeded.sessions} sessions, ${seeded.auditEvents} audit events`,
    `- ${settings.connections} connections, ${settings.durationS} s per target after ${settings.warmupS} s of warm-up; server with NODE_ENV=production, LOG_LEVEL=warn`,
    `- Commit ${commit ?? 'unknown'}${dirty ? ' (with uncommitted changes)' : ''}`,
    '',
    markdownTable(rows),
    '',
    'Latencies in whole milliseconds as autocannon records them (<1 means under one), over 2xx responses.',
    '"vs baseline" is the share of the bare Fastify route\'s throughput. The load generator runs on the same CPUs.',
    '',
  ].join('\n');
  await fs.mkdir(RESULTS_DIR, { recursive: true });
  const mdPath = path.join(RESULTS_DIR, `pages-${stamp}.md`);
  await fs.writeFile(mdPath, markdown);
  await fs.writeFile(path.join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nWrote ${path.relative(ROOT, mdPath)} and bench/results/latest.json`);
  if (databaseUrl) console.log('The seeded rows stay in the DATABASE_URL database.');
}

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
