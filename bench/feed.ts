// The home feed on a seeded Postgres: `npm run bench:feed`.
//
// Needs the network of `npm run bench:seed` (bench/results/seed-manifest.json): its viewer
// follows about 300 members and has a filled inbox (feed_items). Starts, as child processes on
// free 127.0.0.1 ports, the real server (NODE_ENV=production, LOG_LEVEL=warn, the same
// DATABASE_URL) and the select-1 baseline (bench/baseline-db-server.ts), then measures with
// autocannon, in one run:
//
//   select 1 · / signed in (feed page 1) · /?before=… signed in (feed page 10) · / signed out
//   (recent public posts) · select 1 again
//
// Page 10's cursor is found by following the "older posts" links from page 1, as a reader would.
// Each target is checked once first (200, signed in or out as expected, posts shown). Signed in is
// a session row inserted for the viewer (deleted at the end) sent with the CSRF cookie a browser
// holds after its first page.
//
// Settings (environment):
//   DATABASE_URL       the seeded database (default postgres://postgres@127.0.0.1:5432/entraide_bench)
//   BENCH_DURATION     seconds measured per target              (default 10)
//   BENCH_CONNECTIONS  concurrent connections                   (default 10)
//   BENCH_WARMUP       seconds of discarded warm-up per target  (default 3)
//
// Targets of the product: the feed ≥ 10 % of the select-1 route's requests per second, and page 10
// within 1.5× the cost (requests per second) of page 1.
import {
  SEED_MANIFEST_PATH,
  announceMeasuring,
  autocannonVersion,
  baselineTargets,
  benchDatabaseUrl,
  checkMemberCount,
  checkTarget,
  cleanupHeld,
  count,
  describeCommit,
  intEnv,
  loadFigures,
  loadRun,
  machineInfo,
  markdownTable,
  ms,
  openBenchPool,
  postgresVersion,
  readManifest,
  runAndExit,
  signInAndStart,
  textTable,
  gitState,
  warmUp,
  writeResults,
  type Held,
  type LoadFigures,
  type Target,
} from './lib.ts';

const FEED_SHARE = 0.1;
const PAGE10_RATIO = 1.5;

const settings = {
  durationS: intEnv('BENCH_DURATION', 10, 1, 600),
  connections: intEnv('BENCH_CONNECTIONS', 10, 1, 1000),
  warmupS: intEnv('BENCH_WARMUP', 3, 0, 120),
};

const { databaseUrl } = benchDatabaseUrl();

interface Manifest {
  seededAt: string;
  counts: Record<string, number>;
  viewer: { id: number; handle: string; displayName: string; following: number; feedItems?: number };
}

interface Row extends LoadFigures {
  key: string;
  target: string;
  kind: Target['kind'];
  bytesPerRequest: number;
}

const olderLink = (body: string) => /href="\/\?before=([^"]+)"/.exec(body)?.[1];

const held: Held = {};
const cleanup = cleanupHeld(held);

async function main(): Promise<void> {
  const started = new Date();
  const manifest = await readManifest<Manifest>(SEED_MANIFEST_PATH, 'run npm run bench:seed first');
  const pool = (held.pool = openBenchPool(databaseUrl));
  await checkMemberCount(pool, manifest.counts.users);
  const viewer = manifest.viewer;
  const items = Number((await pool.query<{ n: string }>('select count(*) as n from feed_items where member_id = $1', [viewer.id])).rows[0]!.n);
  if (items < 220) throw new Error(`the viewer's feed holds ${items} items, page 10 needs more than 200: seed again with a larger --feed-window`);

  const servers = await signInAndStart(pool, held, { userId: viewer.id, databaseUrl, tmpPrefix: 'entraide-bench-feed-', firstPath: `/@${viewer.handle}` });
  const { app, appUrl, signedIn } = servers;

  // Page 10: follow the "older posts" link nine times.
  let page10 = '/';
  for (let i = 1; i < 10; i++) {
    const res = await fetch(`${appUrl}${page10}`, { headers: signedIn });
    const cursor = olderLink(await res.text());
    if (!cursor) throw new Error(`the feed has no page ${i + 1}`);
    page10 = `/?before=${cursor}`;
  }

  const feedCheck = (body: string) => {
    if (!body.includes(`href="/@${viewer.handle}"`)) return 'not signed in (no link to the viewer’s profile)';
    const posts = count(body, '<article class="post"');
    if (posts < 15) return `the feed page shows ${posts} posts, expected about 20`;
    if (!olderLink(body)) return 'no "older posts" link';
    return undefined;
  };
  const visitorCheck = (body: string) => {
    if (!body.includes('href="/login')) return 'no login link while signed out';
    const posts = count(body, '<article class="post"');
    return posts === 20 ? undefined : `the visitors' home shows ${posts} posts, expected 20`;
  };
  const base = baselineTargets(servers);
  const targets: Target[] = [
    base.select1,
    { key: 'feed-1', name: '/ signed in (feed page 1)', url: `${appUrl}/`, server: app, headers: signedIn, kind: 'page', check: feedCheck },
    { key: 'feed-10', name: '/?before=… signed in (feed page 10)', url: `${appUrl}${page10}`, server: app, headers: signedIn, kind: 'page', check: feedCheck },
    { key: 'home-out', name: '/ signed out (recent public posts)', url: `${appUrl}/`, server: app, kind: 'reference', check: visitorCheck },
    base.select1Again,
  ];
  for (const t of targets) await checkTarget(t);

  announceMeasuring(targets.length, settings);
  const rows: Row[] = [];
  for (const t of targets) {
    process.stdout.write(`  ${t.name}… `);
    await warmUp(t, settings);
    const r = await loadRun(t, settings);
    rows.push({ key: t.key, target: t.name, kind: t.kind, ...loadFigures(r), bytesPerRequest: r.requests.total ? Math.round(r.throughput.total / r.requests.total) : 0 });
    console.log(`${r.requests.average.toFixed(0)} req/s, p99 ${ms(r.latency.p99)} ms`);
  }

  const baseRps = rows[0]!.requestsPerSec;
  const p1 = rows.find((r) => r.key === 'feed-1')!;
  const p10 = rows.find((r) => r.key === 'feed-10')!;
  const ratio = p1.requestsPerSec / Math.max(p10.requestsPerSec, 0.001);
  const feedOk = p1.requestsPerSec / baseRps >= FEED_SHARE && p10.requestsPerSec / baseRps >= FEED_SHARE;
  const depthOk = ratio <= PAGE10_RATIO;
  const headers = ['Target', 'Req/s', '% of select 1', 'p50 ms', 'p99 ms', 'Errors', 'Non-2xx', 'KiB/resp'];
  const body = rows.map((r) => [
    r.target,
    r.requestsPerSec.toFixed(0),
    r.kind === 'baseline' ? '100 %' : `${((r.requestsPerSec / baseRps) * 100).toFixed(1)} %`,
    ms(r.latencyP50Ms),
    ms(r.latencyP99Ms),
    String(r.errors + r.timeouts),
    String(r.non2xx),
    (r.bytesPerRequest / 1024).toFixed(1),
  ]);
  const verdict = [
    `Feed ≥ ${FEED_SHARE * 100} % of select 1: ${feedOk ? 'met' : 'NOT met'} (page 1 ${((p1.requestsPerSec / baseRps) * 100).toFixed(1)} %, page 10 ${((p10.requestsPerSec / baseRps) * 100).toFixed(1)} %)`,
    `Page 10 within ${PAGE10_RATIO}× the cost of page 1: ${depthOk ? 'met' : 'NOT met'} (page 1 / page 10 requests per second = ${ratio.toFixed(2)})`,
  ];
  const { availableParallelism: _ap, ...machine } = machineInfo();
  const pgVersion = await postgresVersion(pool);
  console.log(`\n${textTable(headers, body)}\n`);
  console.log(`${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, Postgres ${pgVersion}; ${settings.connections} connections, ${settings.durationS} s per target after ${settings.warmupS} s warm-up`);
  for (const v of verdict) console.log(`  ${v}`);
  if (app.output.length > 0) console.log(`\nThe server wrote ${app.output.length} line(s) at warn level or above (last ones):\n${app.output.slice(-10).join('\n')}`);
  await cleanup();

  const git = gitState();
  const c = manifest.counts;
  const report = {
    date: started.toISOString(),
    machine,
    postgres: pgVersion,
    database: { url: databaseUrl.replace(/:[^:@/]*@/, ':***@'), seededAt: manifest.seededAt, counts: c },
    viewer: { handle: viewer.handle, following: viewer.following, feedItems: items },
    settings: { ...settings, pipelining: 1 },
    autocannon: autocannonVersion(),
    git,
    met: { feedShare: feedOk, page10Ratio: depthOk },
    page1OverPage10: Number(ratio.toFixed(3)),
    results: rows,
  };
  const markdown = [
    `# Home feed — ${started.toISOString()}`,
    '',
    `- Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.totalMemoryMiB} MiB; Node ${machine.node}, Postgres ${pgVersion}, autocannon ${report.autocannon} (load generator on the same CPUs)`,
    `- Database: seeded ${manifest.seededAt} — ${c.users} members, ${c.follows} follows, ${c.posts} posts, ${c.feed_items ?? '?'} feed items`,
    `- Signed in as @${viewer.handle} (follows ${viewer.following}, ${items} feed items); ${settings.connections} connections, ${settings.durationS} s per target after ${settings.warmupS} s of warm-up`,
    `- Commit ${describeCommit(git)}`,
    '',
    markdownTable(headers, body),
    '',
    ...verdict.map((v) => `- ${v}`),
    '',
  ].join('\n');
  await writeResults('feed', started, markdown, report);
}

await runAndExit(main, cleanup);
