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
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openPglite, openPostgres, type DatabaseHandle } from '../server/db/connection.ts';
import { migrateToLatest } from '../server/db/migrator.ts';
import { insertUser } from '../server/repos/users.ts';
import { insertSession } from '../server/repos/sessions.ts';
import { insertAuditEvent } from '../server/repos/audit.ts';
import { hashPassword } from '../server/services/passwords.ts';
import { generateToken, hashToken } from '../server/services/tokens.ts';
import {
  HOST,
  RESULTS_DIR,
  ROOT,
  SESSION_COOKIE,
  announceMeasuring,
  autocannonVersion,
  baselineEnv,
  cleanupOnExit,
  describeCommit,
  fileStamp,
  freePort,
  gitState,
  intEnv,
  isRunning,
  loadFigures,
  loadRun,
  machineInfo,
  markdownTable,
  ms,
  runAndExit,
  serverEnv,
  startChild,
  textTable,
  waitForOk,
  warmUp,
  type LoadFigures,
} from './lib.ts';

const settings = {
  durationS: intEnv('BENCH_DURATION', 10, 1, 3600),
  connections: intEnv('BENCH_CONNECTIONS', 10, 1, 10_000),
  warmupS: intEnv('BENCH_WARMUP', 2, 0, 600),
  users: intEnv('BENCH_USERS', 1000, 2, 1_000_000),
};
const databaseUrl = process.env.DATABASE_URL?.trim() || undefined;

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

interface Row extends LoadFigures {
  target: string;
  url: string;
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
  await warmUp(target, settings);
  const r = await loadRun(target, settings);
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  return {
    target: target.name,
    url: new URL(target.url).pathname,
    ...loadFigures(r),
    throughputBytesPerSec: r.throughput.average,
    statusCodes,
  };
}

// ---------------------------------------------------------------------------------------------
// Reporting

const HEADERS = ['Target', 'Req/s (mean)', 'vs baseline', 'p50 ms', 'p99 ms', 'Requests', 'Errors', 'Non-2xx'];

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

// ---------------------------------------------------------------------------------------------

let tmpDir: string | undefined;
let seedDatabase: DatabaseHandle | undefined;

const cleanup = cleanupOnExit('stopping the servers and removing the temporary folder…', async () => {
  await seedDatabase?.close().catch(() => {});
  seedDatabase = undefined;
  if (tmpDir) await fs.rm(tmpDir, { recursive: true, force: true });
});

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

  t = performance.now();
  const app = startChild('entraide server', ['server/main.ts'], serverEnv(appPort, dataDir, databaseUrl));
  const baseline = startChild('baseline server', ['bench/baseline-server.ts'], baselineEnv(baselinePort));
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

  announceMeasuring(targets.length, settings);
  const rows: Row[] = [];
  for (const target of targets) {
    if (!isRunning(app) || !isRunning(baseline)) throw new Error(`a server stopped during the run:\n${[...app.output, ...baseline.output].join('\n')}`);
    process.stdout.write(`  ${target.name}… `);
    const row = await measure(target);
    rows.push(row);
    console.log(`${row.requestsPerSec.toFixed(0)} req/s`);
  }

  const table = textTable(HEADERS, cells(rows));
  const machine = machineInfo();
  console.log(`\n${table}\n`);
  console.log(
    `${machine.cpus} × ${machine.cpuModel}, ${machine.totalMemoryMiB} MiB, Node ${machine.node}, database ${kind}; ` +
      `${settings.connections} connections, ${settings.durationS} s per target`,
  );
  if (app.output.length > 0) {
    console.log(`\nThe server wrote ${app.output.length} line(s) at warn level or above (last ones):\n${app.output.slice(-10).join('\n')}`);
  }

  const git = gitState();
  const report = {
    date: started.toISOString(),
    machine,
    database: { kind, seededUsers: seeded.users, seededSessions: seeded.sessions, seededAuditEvents: seeded.auditEvents },
    settings: { durationS: settings.durationS, warmupS: settings.warmupS, connections: settings.connections, pipelining: 1 },
    autocannon: autocannonVersion(),
    git,
    results: rows,
  };

  const stamp = fileStamp(started);
  const markdown = [
    `# Page benchmark — ${started.toISOString()}`,
    '',
    `- Machine: ${machine.cpus} × ${machine.cpuModel} (${machine.availableParallelism} usable), ${machine.totalMemoryMiB} MiB, ${machine.platform}`,
    `- Node ${machine.node}, autocannon ${report.autocannon}; load generator on the same machine`,
    `- Database: ${kind}, seeded with ${seeded.users} accounts, ${seeded.sessions} sessions, ${seeded.auditEvents} audit events`,
    `- ${settings.connections} connections, ${settings.durationS} s per target after ${settings.warmupS} s of warm-up; server with NODE_ENV=production, LOG_LEVEL=warn`,
    `- Commit ${describeCommit(git)}`,
    '',
    markdownTable(HEADERS, cells(rows)),
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

await runAndExit(main, cleanup);
