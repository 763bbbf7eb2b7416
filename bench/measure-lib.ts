// What bench/wall-and-post.ts and bench/forum.ts share beyond bench/lib.ts: the CPU split of each
// measured target read from /proc (the serving process, the bench database's Postgres backends,
// the load generator and every other process on the machine), the loop that measures each target
// after waiting for a quiet machine (once more when other work used over 15 % of a core), the
// optional server CPU profile, and the verdict and report against the select-1 route.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import {
  ROOT,
  announceMeasuring,
  autocannonVersion,
  checkTarget,
  children,
  describeCommit,
  gitState,
  intEnv,
  isRunning,
  loadFigures,
  loadRun,
  machineInfo,
  markdownTable,
  ms,
  postgresVersion,
  sleep,
  textTable,
  warmUp,
  writeResults,
  type Child,
  type LoadFigures,
  type LoadSettings,
  type Target,
} from './lib.ts';

/** Other processes above this share of one core falsify a row: it is measured again, then flagged. */
const NOISY_PCT = 15;

export interface MeasureSettings extends LoadSettings {
  quietWaitS: number;
  profile: boolean;
  /** BENCH_TARGETS: the keys to run (the select-1 baseline always runs) */
  only: string[] | undefined;
}

/** BENCH_DURATION (10), BENCH_CONNECTIONS (10), BENCH_WARMUP (3), BENCH_QUIET_WAIT (180), BENCH_PROFILE, BENCH_TARGETS. */
export function measureSettings(): MeasureSettings {
  return {
    durationS: intEnv('BENCH_DURATION', 10, 1, 600),
    connections: intEnv('BENCH_CONNECTIONS', 10, 1, 1000),
    warmupS: intEnv('BENCH_WARMUP', 3, 0, 120),
    quietWaitS: intEnv('BENCH_QUIET_WAIT', 180, 0, 1800),
    profile: process.env.BENCH_PROFILE === '1',
    only: process.env.BENCH_TARGETS?.split(',').map((s) => s.trim()).filter(Boolean),
  };
}

// ---------------------------------------------------------------------------------------------
// CPU accounting from /proc (Linux): utime + stime in clock ticks

const CLK_TCK = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

function readStat(pid: number | string): { comm: string; ticks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { comm, ticks: Number(fields[11]) + Number(fields[12]) }; // utime + stime, all threads
  } catch {
    return undefined; // ended meanwhile
  }
}

/** Busy ticks of the whole machine (all CPUs), from /proc/stat. */
function machineBusyTicks(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line;
  return user + nice + system + irq + softirq + steal;
}

/** Postgres backends serving the bench database (their title names it), per pid. */
function benchBackends(dbName: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const st = readStat(entry);
    if (!st || st.comm !== 'postgres') continue;
    let title = '';
    try {
      title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (title.includes(` ${dbName} `)) out.set(Number(entry), st.ticks);
  }
  return out;
}

interface CpuSnapshot {
  at: number;
  machine: number;
  server: number;
  loadgen: number;
  ours: number;
  backends: Map<number, number>;
}

function snapshot(serverPid: number, ourPids: number[], dbName: string): CpuSnapshot {
  return {
    at: performance.now(),
    machine: machineBusyTicks(),
    server: readStat(serverPid)?.ticks ?? 0,
    loadgen: readStat(process.pid)?.ticks ?? 0,
    ours: ourPids.reduce((sum, pid) => sum + (readStat(pid)?.ticks ?? 0), 0),
    backends: benchBackends(dbName),
  };
}

/** Ticks of the bench database's backends between two snapshots (a backend gone meanwhile loses its last part). */
function backendDelta(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, t] of after) sum += t - (before.get(pid) ?? 0);
  return sum;
}

/** Waits (bounded) until the machine is quiet: other work on these CPUs falsifies every figure. */
async function waitForQuiet(maxWaitS: number, quietly = false): Promise<number> {
  const cores = os.cpus().length;
  const sampleBusy = async () => {
    const a = machineBusyTicks();
    await sleep(2000);
    return ((machineBusyTicks() - a) / CLK_TCK / 2 / cores) * 100;
  };
  const deadline = Date.now() + maxWaitS * 1000;
  let busy = await sampleBusy();
  if (busy > NOISY_PCT && !quietly) console.log(`The machine is ${busy.toFixed(0)} % busy before the run (another process); waiting up to ${maxWaitS} s for it to calm down…`);
  while (busy > NOISY_PCT && Date.now() < deadline) busy = await sampleBusy();
  if (busy > NOISY_PCT && !quietly) console.log(`  still ${busy.toFixed(0)} % busy: measuring anyway, the figures will be flagged.`);
  return busy;
}

// ---------------------------------------------------------------------------------------------
// Measuring

export interface Row extends LoadFigures {
  key: string;
  target: string;
  url: string;
  kind: Target['kind'];
  bytesPerRequest: number;
  cpu: { serverPct: number; postgresPct: number; loadgenPct: number; otherPct: number; serverMsPerReq: number; postgresMsPerReq: number };
}

export interface Measured {
  rows: Row[];
  /** how busy the machine was before the first target */
  busyBefore: number;
  /** measured windows of the pages (µs, CLOCK_MONOTONIC), for the CPU profile */
  profileWindows: [number, number][];
}

async function measure(target: Target, s: MeasureSettings, dbName: string, profileWindows: [number, number][]): Promise<Row> {
  await warmUp(target, s);
  const pid = target.server.proc.pid!;
  const ourPids = children.map((c) => c.proc.pid!).filter(Boolean);
  const before = snapshot(pid, ourPids, dbName);
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const r = await loadRun(target, s);
  if (target.kind === 'page') profileWindows.push([fromUs, Number(process.hrtime.bigint() / 1000n)]);
  const after = snapshot(pid, ourPids, dbName);
  const wallS = (after.at - before.at) / 1000;
  const pct = (ticks: number) => (ticks / CLK_TCK / wallS) * 100;
  const msPerReq = (ticks: number) => (r.requests.total > 0 ? ((ticks / CLK_TCK) * 1000) / r.requests.total : 0);
  const pgTicks = backendDelta(before.backends, after.backends);
  const oursTicks = after.ours - before.ours + (after.loadgen - before.loadgen) + pgTicks;
  const otherTicks = Math.max(after.machine - before.machine - oursTicks, 0);
  return {
    key: target.key,
    target: target.name,
    url: new URL(target.url).pathname,
    kind: target.kind,
    ...loadFigures(r),
    bytesPerRequest: r.requests.total > 0 ? Math.round(r.throughput.total / r.requests.total) : 0,
    cpu: {
      serverPct: pct(after.server - before.server),
      postgresPct: pct(pgTicks),
      loadgenPct: pct(after.loadgen - before.loadgen),
      otherPct: pct(otherTicks),
      serverMsPerReq: msPerReq(after.server - before.server),
      postgresMsPerReq: msPerReq(pgTicks),
    },
  };
}

/**
 * Keeps the select-1 baseline and the targets BENCH_TARGETS names, checks each once, then measures
 * each (with its CPU split) after waiting for a quiet machine, once more when it was not quiet.
 * Throws when one of `servers` stops.
 */
export async function measureTargets(all: Target[], servers: Child[], s: MeasureSettings, dbName: string): Promise<Measured> {
  const targets = all.filter((t) => t.key === 'select1' || !s.only || s.only.includes(t.key));
  for (const t of targets) await checkTarget(t);
  const busyBefore = await waitForQuiet(s.quietWaitS);

  announceMeasuring(targets.length, s);
  const rows: Row[] = [];
  const profileWindows: [number, number][] = [];
  for (const target of targets) {
    for (const c of servers) if (!isRunning(c)) throw new Error(`${c.name} stopped during the run:\n${c.output.join('\n')}`);
    // Other work on the machine falsifies a row: wait for quiet before each target, and measure a
    // row once more (after waiting again) when other processes used more than 15 % of a core.
    await waitForQuiet(Math.min(s.quietWaitS, 120), true);
    process.stdout.write(`  ${target.name}… `);
    let row = await measure(target, s, dbName, profileWindows);
    if (row.cpu.otherPct > NOISY_PCT) {
      process.stdout.write(`${row.requestsPerSec.toFixed(0)} req/s but other processes used ${row.cpu.otherPct.toFixed(0)} % of a core; again… `);
      await waitForQuiet(Math.min(s.quietWaitS, 120), true);
      const again = await measure(target, s, dbName, profileWindows);
      if (again.cpu.otherPct < row.cpu.otherPct) row = again;
    }
    rows.push(row);
    console.log(`${row.requestsPerSec.toFixed(0)} req/s${row.cpu.otherPct > NOISY_PCT ? ' (⚠ machine busy)' : ''}`);
  }
  return { rows, busyBefore, profileWindows };
}

// ---------------------------------------------------------------------------------------------
// CPU profile

interface ProfileSummary {
  busyMs: number;
  self: { fn: string; ms: number; pct: number }[];
  inclusiveApp: { fn: string; ms: number; pct: number }[];
}

/**
 * Summarises a V8 .cpuprofile over the measured windows only (V8's timestamps and
 * process.hrtime both read CLOCK_MONOTONIC), idle excluded: self time per function and inclusive
 * time of the application's own functions (server/…). The profiler samples wall-clock time: a
 * native frame such as writev also collects the time the process spent preempted right after
 * waking another process (Postgres, the load generator), so read those as "waiting for a CPU".
 */
function summariseProfile(file: string, windows: [number, number][], top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
    startTime: number;
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (id: number) => {
    const cf = byId.get(id)!.callFrame;
    const where = cf.url ? cf.url.replace(`file://${ROOT}/`, '').replace(/^.*node_modules\//, 'node_modules/') : '';
    return `${cf.functionName || '(anonymous)'}${where ? ` ${where}:${cf.lineNumber + 1}` : ''}`;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  let ts = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    ts += dt;
    if (!windows.some(([a, b]) => ts >= a && ts <= b)) continue;
    const leaf = profile.samples[i]!;
    if (byId.get(leaf)?.callFrame.functionName === '(idle)') continue;
    busy += dt;
    const k = keyOf(leaf);
    self.set(k, (self.get(k) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const key = keyOf(id);
      if (seen.has(key)) continue;
      seen.add(key);
      if (key.includes(' server/')) inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    }
  }
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, us]) => ({ fn, ms: us / 1000, pct: busy ? (us / busy) * 100 : 0 }));
  return { busyMs: busy / 1000, self: rank(self), inclusiveApp: rank(inclusive) };
}

/** Prints and returns the summary of the server's profile (written once the server stopped). */
async function readProfile(profileDir: string, windows: [number, number][]): Promise<ProfileSummary | undefined> {
  const files = (await fs.readdir(profileDir).catch(() => [] as string[])).filter((f) => f.endsWith('.cpuprofile'));
  if (!files.length) {
    console.log('\n(no CPU profile was written)');
    return undefined;
  }
  const file = path.join(profileDir, files[0]!);
  const hottest = summariseProfile(file, windows);
  console.log(`\nServer CPU profile over the measured page windows (${hottest.busyMs.toFixed(0)} ms busy; ${file}).`);
  console.log('Self time (writev and other native frames include time spent preempted on this shared machine):');
  for (const h of hottest.self) console.log(`  ${h.pct.toFixed(1).padStart(5)} %  ${h.fn}`);
  console.log('Inclusive time of the application’s functions:');
  for (const h of hottest.inclusiveApp) console.log(`  ${h.pct.toFixed(1).padStart(5)} %  ${h.fn}`);
  return hottest;
}

function profileMarkdown(hottest: ProfileSummary): string[] {
  return [
    `## Server CPU profile (measured page windows, ${hottest.busyMs.toFixed(0)} ms busy)`,
    '',
    'Self time (native frames such as writev include time spent preempted):',
    '',
    '| % of busy | function |',
    '| ---: | --- |',
    ...hottest.self.map((h) => `| ${h.pct.toFixed(1)} | \`${h.fn}\` |`),
    '',
    'Inclusive time of the application’s functions:',
    '',
    '| % of busy | function |',
    '| ---: | --- |',
    ...hottest.inclusiveApp.map((h) => `| ${h.pct.toFixed(1)} | \`${h.fn}\` |`),
    '',
  ];
}

// ---------------------------------------------------------------------------------------------
// Verdict and report

const HEADERS = ['Target', 'Req/s', '% of select 1', 'p50 ms', 'p99 ms', 'Errors', 'Non-2xx', 'KiB/resp', 'CPU server', 'CPU postgres', 'CPU loadgen', 'CPU others', 'server ms/req', 'pg ms/req'];

function cells(rows: Row[], baselineRps: number, targetShare: number): string[][] {
  return rows.map((r) => [
    r.target,
    r.requestsPerSec.toFixed(0),
    r.kind === 'baseline' ? '100 %' : `${((r.requestsPerSec / baselineRps) * 100).toFixed(1)} %${r.kind === 'page' ? (r.requestsPerSec / baselineRps >= targetShare ? ' ✓' : ' ✗') : ''}`,
    ms(r.latencyP50Ms),
    ms(r.latencyP99Ms),
    String(r.errors + r.timeouts),
    String(r.non2xx),
    (r.bytesPerRequest / 1024).toFixed(1),
    `${r.cpu.serverPct.toFixed(0)} %`,
    `${r.cpu.postgresPct.toFixed(0)} %`,
    `${r.cpu.loadgenPct.toFixed(0)} %`,
    `${r.cpu.otherPct.toFixed(0)} %${r.cpu.otherPct > NOISY_PCT ? ' ⚠' : ''}`,
    r.cpu.serverMsPerReq.toFixed(2),
    r.cpu.postgresMsPerReq.toFixed(2),
  ]);
}

export interface Report {
  /** the Markdown title: "<title> — <date>" */
  title: string;
  /** bench/results/<filePrefix>-<date>.md and .json */
  filePrefix: string;
  started: Date;
  settings: MeasureSettings;
  pool: pg.Pool;
  app: Child;
  profileDir: string;
  measured: Measured;
  /** the share of the select-1 route's requests per second a page must reach */
  targetShare: number;
  /** the goal in words, e.g. "each page ≥ 15 % of the select-1 route" */
  goal: string;
  /** added to the goal on the console, e.g. "; the others are shown against the same share" */
  goalNote?: string;
  /** the pages the verdict counts (default: every page) */
  counts?: (row: Row) => boolean;
  /** the JSON report's own fields, between `postgres` and `settings` */
  about: Record<string, unknown>;
  /** the Markdown's own lines about the data, after the machine */
  describe: string[];
  /** stops the children (the server writes its profile as it stops) */
  cleanup: () => Promise<void>;
}

/** Prints the table and the verdict, cleans up, reads the profile, writes the .md and .json results. */
export async function report(o: Report): Promise<void> {
  const { rows, busyBefore, profileWindows } = o.measured;
  const s = o.settings;
  const baselineRps = rows[0]!.requestsPerSec;
  const table = textTable(HEADERS, cells(rows, baselineRps, o.targetShare));
  // These reports have never carried availableParallelism.
  const { availableParallelism: _availableParallelism, ...machine } = machineInfo();
  const pgVersion = await postgresVersion(o.pool);
  const pages = rows.filter((r) => r.kind === 'page');
  const met = pages.filter(o.counts ?? (() => true)).every((r) => r.requestsPerSec / baselineRps >= o.targetShare);
  const verdictLines = pages.map((r) => {
    const share = r.requestsPerSec / baselineRps;
    return `${r.target}: ${(share * 100).toFixed(1)} % of select 1 (${r.requestsPerSec.toFixed(0)} vs ${baselineRps.toFixed(0)} req/s) — ${share >= o.targetShare ? 'meets' : 'BELOW'} the ${Math.round(o.targetShare * 100)} % target`;
  });
  const drift = rows.find((r) => r.key === 'select1-again');
  const driftLine = drift && `select 1 measured again at the end: ${drift.requestsPerSec.toFixed(0)} req/s (${(((drift.requestsPerSec - baselineRps) / baselineRps) * 100).toFixed(1)} % drift)`;
  const noisy = rows.filter((r) => r.cpu.otherPct > NOISY_PCT);
  console.log(`\n${table}\n`);
  console.log(`CPU columns: share of one core while measuring (${machine.cpus} cores = ${machine.cpus * 100} %); "others" is every other process on the machine; "ms/req" is CPU time per request of the serving process and of the bench database's Postgres backends.`);
  if (noisy.length) console.log(`⚠ Other processes used more than 15 % of a core during: ${noisy.map((r) => r.target).join(', ')}. Those figures are not comparable; run again on a quiet machine.`);
  console.log(`${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, Postgres ${pgVersion}; ${s.connections} connections, ${s.durationS} s per target after ${s.warmupS} s warm-up`);
  console.log(`\nVerdict (target: ${o.goal}${o.goalNote ?? ''}): ${met ? 'MET' : 'NOT MET'}`);
  for (const l of verdictLines) console.log(`  ${l}`);
  if (driftLine) console.log(`  ${driftLine}`);
  if (o.app.output.length > 0) console.log(`\nThe server wrote ${o.app.output.length} line(s) at warn level or above (last ones):\n${o.app.output.slice(-10).join('\n')}`);

  await o.cleanup();
  const hottest = s.profile ? await readProfile(o.profileDir, profileWindows) : undefined;

  const git = gitState();
  const json = {
    date: o.started.toISOString(),
    machine,
    postgres: pgVersion,
    ...o.about,
    settings: { durationS: s.durationS, warmupS: s.warmupS, connections: s.connections, pipelining: 1, profile: s.profile },
    autocannon: autocannonVersion(),
    git,
    targetShare: o.targetShare,
    met,
    machineBusyBeforePct: Number(busyBefore.toFixed(1)),
    noisyTargets: noisy.map((r) => r.key),
    results: rows,
    ...(hottest ? { profile: hottest } : {}),
  };
  const markdown = [
    `# ${o.title} — ${o.started.toISOString()}`,
    '',
    `- Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.totalMemoryMiB} MiB, ${machine.platform}; Node ${machine.node}, Postgres ${pgVersion}, autocannon ${json.autocannon} (load generator on the same CPUs)`,
    ...o.describe.map((l) => `- ${l}`),
    `- ${s.connections} connections, ${s.durationS} s per target after ${s.warmupS} s of warm-up; server with NODE_ENV=production, LOG_LEVEL=warn${s.profile ? ', --cpu-prof (slower)' : ''}`,
    `- Commit ${describeCommit(git)}`,
    '',
    markdownTable(HEADERS, cells(rows, baselineRps, o.targetShare)),
    '',
    'Latencies in whole milliseconds as autocannon records them. CPU: share of one core during the measured seconds (2 cores = 200 %) used by the serving process, the bench database\'s Postgres backends, the load generator and every other process on the machine (⚠ above 15 %: not comparable); ms/req: CPU time per request of the serving process and of the Postgres backends.',
    'Signed-out requests send no cookie; signed-in ones send the session and CSRF cookies.',
    '',
    `**Verdict (${o.goal}): ${met ? 'met' : 'NOT met'}.**`,
    '',
    ...verdictLines.map((l) => `- ${l}`),
    ...(driftLine ? [`- ${driftLine}`] : []),
    '',
    ...(hottest ? profileMarkdown(hottest) : []),
  ].join('\n');
  await writeResults(o.filePrefix, o.started, markdown, json);
  if (s.profile) console.log(`CPU profile kept in ${o.profileDir}`);
}
