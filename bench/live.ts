// Live benchmark: `npm run bench:live`.
//
// Seeds a throwaway database (PGlite in a temporary folder, or DATABASE_URL), starts the real
// server (node server/main.ts) as a child process on a free 127.0.0.1 port, then:
//  1. opens BENCH_LIVE_SUBSCRIBERS signed-in websocket clients (each its own session), all
//     subscribed to one public post;
//  2. posts BENCH_LIVE_COMMENTS comments on it through the real form route at a steady
//     BENCH_LIVE_RATE per second, and measures for every (client, comment) the delay from the
//     comment's transaction time (the event's created_at, just before the commit: the figure errs
//     on the slow side) to the client's receipt; reports p50/p95/p99, the deliveries missing, and
//     the server's RSS;
//  3. closes them, notes the server's RSS once it has been quiet for a while, then starts a fresh
//     server (the same code and database) and holds BENCH_LIVE_IDLE idle signed-in connections
//     on it, reporting its RSS and the memory per connection (RSS growth divided by the
//     connections). A fresh process, because a heap that has just rendered 100,000 deliveries
//     is still large when the idle connections come and measures the burst, not the connections.
// Targets (issue 5): p99 < 100 ms for 1,000 subscribers; 10,000 idle connections under 400 MB.
//
// Settings (environment):
//   BENCH_LIVE_SUBSCRIBERS  clients subscribed to the post      (default 1000)
//   BENCH_LIVE_COMMENTS     comments posted                     (default 100)
//   BENCH_LIVE_RATE         comments per second                 (default 10)
//   BENCH_LIVE_IDLE         idle connections held               (default 10000, 0 = skip)
//   BENCH_LIVE_TIMEOUT      seconds before the whole run gives up (default 600)
//   DATABASE_URL            a throwaway Postgres instead of the embedded PGlite (rows are added).
//
// File descriptors: the server and this script each hold one per connection. The script raises
// its soft `ulimit -n` to the hard limit by re-running itself under `sh -c 'ulimit -n …'` (its
// children inherit it); if the hard limit is below BENCH_LIVE_IDLE + 1000, raise it first
// (e.g. `ulimit -Hn 65536` as root, or LimitNOFILE in systemd) or lower BENCH_LIVE_IDLE.
// Everything runs on this machine: the clients share the CPUs with the server, so the latency
// figures include the load generator's own delays.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openPglite, openPostgres, type DatabaseHandle } from '../server/db/connection.ts';
import { migrateToLatest } from '../server/db/migrator.ts';
import { insertUser } from '../server/repos/users.ts';
import { insertSession } from '../server/repos/sessions.ts';
import { insertPost } from '../server/repos/posts.ts';
import { hashPassword } from '../server/services/passwords.ts';
import { generateToken, hashToken } from '../server/services/tokens.ts';
import {
  HOST,
  RESULTS_DIR,
  SESSION_COOKIE,
  cleanupOnExit,
  describeCommit,
  fileStamp,
  freePort,
  gitState,
  intEnv,
  machineInfo,
  markdownTable,
  runAndExit,
  serverEnv,
  sleep,
  startChild,
  stopChild,
  textTable,
  waitForOk,
  type Child,
} from './lib.ts';

// Re-run under the hard file-descriptor limit (children inherit it).
if (!process.env.ENTRAIDE_BENCH_NOFILE) {
  const r = spawnSync('sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"', process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, ENTRAIDE_BENCH_NOFILE: '1' },
  });
  process.exit(r.status ?? 1);
}

const settings = {
  subscribers: intEnv('BENCH_LIVE_SUBSCRIBERS', 1000, 1, 100_000),
  comments: intEnv('BENCH_LIVE_COMMENTS', 100, 1, 100_000),
  rate: intEnv('BENCH_LIVE_RATE', 10, 1, 1000),
  idle: intEnv('BENCH_LIVE_IDLE', 10_000, 0, 200_000),
  timeoutS: intEnv('BENCH_LIVE_TIMEOUT', 600, 10, 86_400),
};
const databaseUrl = process.env.DATABASE_URL?.trim() || undefined;
const OPEN_CONCURRENCY = 200;

// ---------------------------------------------------------------------------------------------

interface Seeded {
  authorToken: string;
  postId: number;
  tokens: string[];
}

async function seed(database: DatabaseHandle, sessions: number): Promise<Seeded> {
  await migrateToLatest(database.db);
  const passwordHash = await hashPassword('bench-password-not-a-secret');
  const run = Math.random().toString(36).slice(2, 8);
  const expiresAt = new Date(Date.now() + 86_400_000);
  // Up to 1,000 members; sessions beyond that are spread over them (several devices each).
  const members = Math.min(sessions, 1000);
  const tokens: string[] = [];
  const authorToken = generateToken();
  let postId = 0;
  await database.db.transaction().execute(async (trx) => {
    const author = await insertUser(trx, {
      handle: `l${run}_author`,
      email: `l${run}_author@bench.invalid`,
      display_name: 'Bench author',
      password_hash: passwordHash,
      role: 'member',
      status: 'active',
      locale: 'fr',
      invited_by: null,
    });
    await insertSession(trx, { id: hashToken(authorToken), userId: author.id, expiresAt, userAgent: 'entraide-bench', ip: HOST });
    const post = await insertPost(trx, { authorId: author.id, wallOwnerId: author.id, body: 'Bench post', bodyHtml: '<p>Bench post</p>', visibility: 'public' });
    postId = post.id;
    const ids: number[] = [];
    for (let i = 1; i <= members; i++) {
      const u = await insertUser(trx, {
        handle: `l${run}_${i}`,
        email: `l${run}_${i}@bench.invalid`,
        display_name: `Bench reader ${i}`,
        password_hash: passwordHash,
        role: 'member',
        status: 'active',
        locale: i % 2 === 0 ? 'en' : 'fr',
        invited_by: null,
      });
      ids.push(u.id);
    }
    for (let i = 0; i < sessions; i++) {
      const token = generateToken();
      await insertSession(trx, { id: hashToken(token), userId: ids[i % ids.length]!, expiresAt, userAgent: 'entraide-bench', ip: HOST });
      tokens.push(token);
    }
  });
  return { authorToken, postId, tokens };
}

// ---------------------------------------------------------------------------------------------

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN);

/** Opens a signed-in socket; resolves once the server said hello. */
function openSocket(base: string, token: string, onMessage?: (data: string) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/live`, { headers: { origin: base, cookie: `${SESSION_COOKIE}=${token}` } } as unknown as string[]);
    const timer = setTimeout(() => {
      ws.close();
      reject(new Error('websocket did not open within 30 s'));
    }, 30_000);
    ws.addEventListener('error', () => {
      clearTimeout(timer);
      reject(new Error('websocket refused'));
    });
    ws.addEventListener('message', (e) => {
      const data = String(e.data);
      if (data.startsWith('{"type":"hello"')) {
        clearTimeout(timer);
        resolve(ws);
      } else onMessage?.(data);
    });
  });
}

async function openMany(count: number, open: (i: number) => Promise<WebSocket>): Promise<WebSocket[]> {
  const sockets: WebSocket[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(OPEN_CONCURRENCY, count) }, async () => {
      while (next < count) {
        const i = next++;
        sockets[i] = await open(i);
      }
    }),
  );
  return sockets;
}

async function closeAll(sockets: WebSocket[]) {
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (!ws || ws.readyState === ws.CLOSED) return resolve();
          ws.addEventListener('close', () => resolve());
          ws.close();
          setTimeout(resolve, 5000);
        }),
    ),
  );
}

// ---------------------------------------------------------------------------------------------

let tmpDir: string | undefined;
let seedDatabase: DatabaseHandle | undefined;
let server: Child | undefined;
const openSockets: WebSocket[] = [];

const cleanup = cleanupOnExit('closing the sockets, stopping the server and removing the temporary folder…', async () => {
  for (const ws of openSockets) ws?.close();
  await seedDatabase?.close().catch(() => {});
  if (tmpDir) await fs.rm(tmpDir, { recursive: true, force: true });
});

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    console.error(`\nBENCH_LIVE_TIMEOUT (${settings.timeoutS} s) reached: stopping.`);
    void cleanup().finally(() => process.exit(1));
  }, settings.timeoutS * 1000);
  deadline.unref();
  const started = new Date();
  const nofile = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
  if (Number(nofile) < Math.max(settings.subscribers, settings.idle) + 500) {
    throw new Error(`ulimit -n is ${nofile}: too low for ${Math.max(settings.subscribers, settings.idle)} connections (see the header of bench/live.ts)`);
  }

  tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), 'entraide-bench-live-'));
  const dataDir = path.join(tmpDir, 'data');
  const sessions = Math.max(settings.subscribers, settings.idle);
  console.log(`Seeding ${sessions} sessions into ${databaseUrl ? 'the Postgres of DATABASE_URL' : `PGlite at ${dataDir}`}…`);
  seedDatabase = databaseUrl ? openPostgres(databaseUrl, { max: 2 }) : await openPglite({ dataDir });
  const seeded = await seed(seedDatabase, sessions);
  await seedDatabase.close();
  seedDatabase = undefined;

  const port = await freePort();
  const base = `http://${HOST}:${port}`;
  server = startChild('server', ['server/main.ts'], { ...serverEnv(port, dataDir, databaseUrl), RATE_LIMIT_POSTS_PER_MINUTE: '100000', PAGE_CACHE_SECONDS: '0' });
  await waitForOk(`${base}/healthz`, server);
  const pid = server.proc.pid!;
  await sleep(1000);
  const rssIdle = rssMb(pid);
  console.log(`Server pid ${pid} on ${base}, RSS ${rssIdle.toFixed(0)} MB.`);

  // ---- 1. subscribers ----------------------------------------------------------------------
  const channel = `post:${seeded.postId}`;
  const latencies: number[] = [];
  let received = 0;
  const onEvent = (data: string) => {
    // Only the time is needed: a regex keeps the load generator light.
    if (!data.startsWith('{"type":"event"')) return;
    const at = /"at":(\d+)/.exec(data);
    if (!at) return;
    received += 1;
    latencies.push(Date.now() - Number(at[1]));
  };
  console.log(`Opening ${settings.subscribers} subscribers…`);
  const subs = await openMany(settings.subscribers, async (i) => {
    const ws = await openSocket(base, seeded.tokens[i]!, onEvent);
    openSockets.push(ws);
    ws.send(JSON.stringify({ type: 'sub', ch: channel }));
    return ws;
  });
  await sleep(1000);
  const rssSubscribed = rssMb(pid);

  // The author's form: a CSRF token from the post page, then plain form posts.
  const pageRes = await fetch(`${base}/posts/${seeded.postId}`, { headers: { cookie: `${SESSION_COOKIE}=${seeded.authorToken}` } });
  const html = await pageRes.text();
  const csrfCookie = (pageRes.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]!).find((c) => c.includes('csrf'));
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!csrf || !csrfCookie) throw new Error('no CSRF token on the post page');
  const cookie = `${SESSION_COOKIE}=${seeded.authorToken}; ${csrfCookie}`;

  console.log(`Posting ${settings.comments} comments at ${settings.rate}/s…`);
  const interval = 1000 / settings.rate;
  const posts: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < settings.comments; i++) {
    const wait = t0 + i * interval - performance.now();
    if (wait > 0) await sleep(wait);
    posts.push(
      fetch(`${base}/posts/${seeded.postId}/comments`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, origin: base, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, body: `Commentaire de charge n° ${i + 1}` }).toString(),
      }).then(async (r) => {
        await r.arrayBuffer();
        if (r.status !== 303) throw new Error(`comment ${i + 1} answered ${r.status}`);
      }),
    );
  }
  await Promise.all(posts);
  const expected = settings.subscribers * settings.comments;
  const waitUntil = Date.now() + 30_000;
  while (received < expected && Date.now() < waitUntil) await sleep(100);
  const rssAfterComments = rssMb(pid);
  await closeAll(subs);
  openSockets.length = 0;
  latencies.sort((a, b) => a - b);

  // ---- 2. idle connections -----------------------------------------------------------------
  let rssBeforeIdle = NaN;
  let rssIdleHeld = NaN;
  await sleep(10_000);
  const rssAfterQuiet = rssMb(pid);
  if (settings.idle > 0) {
    await stopChild(server);
    const idlePort = await freePort();
    const idleBase = `http://${HOST}:${idlePort}`;
    server = startChild('server', ['server/main.ts'], { ...serverEnv(idlePort, dataDir, databaseUrl), PAGE_CACHE_SECONDS: '0' });
    await waitForOk(`${idleBase}/healthz`, server);
    await sleep(2000);
    rssBeforeIdle = rssMb(server.proc.pid!);
    console.log(`Fresh server pid ${server.proc.pid} on ${idleBase}, RSS ${rssBeforeIdle.toFixed(0)} MB. Opening ${settings.idle} idle signed-in connections…`);
    const idle = await openMany(settings.idle, async (i) => {
      const ws = await openSocket(idleBase, seeded.tokens[i]!);
      openSockets.push(ws);
      return ws;
    });
    await sleep(3000);
    rssIdleHeld = rssMb(server.proc.pid!);
    await closeAll(idle);
    openSockets.length = 0;
  }

  // ---- report -------------------------------------------------------------------------------
  const perConn = settings.idle > 0 ? ((rssIdleHeld - rssBeforeIdle) * 1024) / settings.idle : NaN;
  const rows = [
    ['subscribers', String(settings.subscribers)],
    ['comments (rate)', `${settings.comments} (${settings.rate}/s)`],
    ['deliveries received / expected', `${received} / ${expected}`],
    ['latency p50 / p95 / p99 (ms)', `${percentile(latencies, 50)} / ${percentile(latencies, 95)} / ${percentile(latencies, 99)}`],
    ['latency max (ms)', String(latencies[latencies.length - 1] ?? NaN)],
    ['server RSS: started / subscribed / after comments / 10 s later (MB)', `${rssIdle.toFixed(0)} / ${rssSubscribed.toFixed(0)} / ${rssAfterComments.toFixed(0)} / ${rssAfterQuiet.toFixed(0)}`],
    ['idle connections held', String(settings.idle)],
    ['fresh server RSS: before / holding idle (MB)', `${rssBeforeIdle.toFixed(0)} / ${rssIdleHeld.toFixed(0)}`],
    ['memory per idle connection (KB)', perConn.toFixed(1)],
  ];
  const p99 = percentile(latencies, 99);
  const verdicts = [
    `p99 < 100 ms: ${p99 < 100 ? 'yes' : 'NO'} (${p99} ms)`,
    settings.idle > 0 ? `${settings.idle} idle connections under 400 MB: ${rssIdleHeld < 400 ? 'yes' : 'NO'} (${rssIdleHeld.toFixed(0)} MB)` : 'idle connections: skipped',
  ];
  console.log(`\n${textTable(['Measure', 'Value'], rows)}\n${verdicts.join('\n')}`);
  const git = gitState();
  const machine = machineInfo();
  const stamp = fileStamp(started);
  await fs.mkdir(RESULTS_DIR, { recursive: true });
  const md = [
    `# Live benchmark — ${started.toISOString()}`,
    '',
    `Commit: ${describeCommit(git)} · database: ${databaseUrl ? 'Postgres' : 'PGlite'} · ${JSON.stringify(machine)}`,
    '',
    markdownTable(['Measure', 'Value'], rows),
    '',
    ...verdicts.map((v) => `- ${v}`),
    '',
    'Latency: from the comment event’s created_at (its transaction’s time, just before the commit) to receipt by the client, client and server on the same machine.',
    '',
  ].join('\n');
  await fs.writeFile(path.join(RESULTS_DIR, `live-${stamp}.md`), md);
  console.log(`\nWritten to bench/results/live-${stamp}.md`);
}

void runAndExit(main, cleanup);
