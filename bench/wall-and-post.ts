// Wall and post pages on a seeded Postgres: `npm run bench:pages`.
//
// Needs the network of `npm run bench:seed` (it reads bench/results/seed-manifest.json). Starts,
// as child processes on free 127.0.0.1 ports: the real server (node server/main.ts,
// NODE_ENV=production, LOG_LEVEL=warn, the same DATABASE_URL), the database baseline
// (bench/baseline-db-server.ts: one `select 1` per request through a pg Pool) and, for
// reference, the bare Fastify baseline (bench/baseline-server.ts). Then, with autocannon:
//
//   select 1 baseline · bare Fastify · /@<largest wall> signed out and in · /@<median wall>
//   signed out · /posts/<showcase post with 50 comments> signed out and in · select 1 again
//
// Every target is checked once first (200, and the content expected: 20 posts on a wall, 50
// comments on the post, the signed-in navigation or the login link). "Signed in" is a session row
// inserted for the manifest's viewer with generateToken/hashToken and sent as the
// entraide_session cookie, together with the CSRF cookie a browser holds after its first page.
// Signed-out requests carry no cookie at all (a first visit, a crawler, a link preview).
//
// While each target runs, the CPU time of the serving process, of the Postgres backends of the
// bench database and of this process (the load generator) is read from /proc, and so is the
// whole machine's: "CPU others" is what anything else used meanwhile (a test suite, a build).
// Above 15 % the row is flagged: those figures are not comparable. Before measuring, the script
// waits (BENCH_QUIET_WAIT) for the machine to be quiet.
// The session row is deleted at the end, whatever happened.
//
// Settings (environment):
//   DATABASE_URL       the seeded database (default postgres://postgres@127.0.0.1:5432/entraide_bench)
//   BENCH_DURATION     seconds measured per target              (default 10)
//   BENCH_CONNECTIONS  concurrent connections                   (default 10)
//   BENCH_WARMUP       seconds of discarded warm-up per target  (default 3)
//   BENCH_TARGETS      comma-separated target keys to run (default: all; the baseline always runs)
//   BENCH_PROFILE      1: run the server with --cpu-prof and print its hottest functions
//   BENCH_QUIET_WAIT   seconds to wait at most for other work on the machine to stop (default 180)
//
// The product target: each page at least 15 % of the select-1 route's requests per second.
import {
  SEED_MANIFEST_PATH,
  baselineTargets,
  benchDatabaseUrl,
  checkMemberCount,
  cleanupHeld,
  count,
  openBenchPool,
  readManifest,
  runAndExit,
  signInAndStart,
  type Held,
  type Target,
} from './lib.ts';
import { measureSettings, measureTargets, report } from './measure-lib.ts';

const TARGET_SHARE = 0.15;

const settings = measureSettings();
const { databaseUrl, dbName } = benchDatabaseUrl();

interface Manifest {
  seededAt: string;
  counts: Record<string, number>;
  viewer: { id: number; handle: string; displayName: string; following: number };
  fullWalls: { id: number; handle: string; displayName: string; posts: number; publicPosts: number; followers: number; note: string }[];
  showcasePosts: { id: number; wallHandle: string; authorHandle: string; comments: number; topLevel: number; replies: number; likes: number }[];
  durationS: number;
}

const held: Held = { keepTmpDir: settings.profile };
const cleanup = cleanupHeld(held);

async function main(): Promise<void> {
  const started = new Date();
  const manifest = await readManifest<Manifest>(SEED_MANIFEST_PATH, 'run npm run bench:seed first');
  const pool = (held.pool = openBenchPool(databaseUrl));

  // The database must be the one the manifest describes.
  await checkMemberCount(pool, manifest.counts.users);
  const showcase = manifest.showcasePosts[0]!;
  const post = (await pool.query<{ comment_count: number }>('select comment_count from posts where id = $1', [showcase.id])).rows[0];
  if (!post || post.comment_count !== 50) throw new Error(`post ${showcase.id} should have 50 comments (got ${post?.comment_count ?? 'no post'}): seed again`);
  const viewer = manifest.viewer;
  const bigWall = manifest.fullWalls[0]!;
  const medianWall = manifest.fullWalls[1] ?? bigWall;

  const servers = await signInAndStart(pool, held, { userId: viewer.id, databaseUrl, tmpPrefix: 'entraide-bench-pages-', firstPath: `/@${viewer.handle}`, profile: settings.profile, bare: true });
  const { app, appUrl, signedIn } = servers;

  const wallCheck = (handle: string, signed: boolean) => (body: string) => {
    if (!body.includes(`@${handle}`)) return `the wall does not name @${handle}`;
    const posts = count(body, '<article class="post"');
    if (posts !== 20) return `the wall shows ${posts} posts, expected 20`;
    if (signed && !body.includes(`href="/@${viewer.handle}"`)) return 'not signed in (no link to the viewer’s profile)';
    if (!signed && !body.includes('href="/login')) return 'no login link while signed out';
    if (!signed && body.includes('href="/notifications"')) return 'signed-out page shows the notifications link';
    return undefined;
  };
  const postCheck = (signed: boolean) => (body: string) => {
    if (!body.includes(`id="post-${showcase.id}"`)) return `the page does not show post ${showcase.id}`;
    const comments = count(body, '<li class="comment"');
    if (comments !== 50) return `the page shows ${comments} comments, expected 50`;
    if (signed && !body.includes(`action="/posts/${showcase.id}/comments"`)) return 'no comment form while signed in';
    if (signed && !body.includes(`href="/@${viewer.handle}"`)) return 'not signed in';
    if (!signed && !body.includes('href="/login')) return 'no login link while signed out';
    return undefined;
  };

  const base = baselineTargets(servers);
  const all: Target[] = [
    base.select1,
    base.bare!,
    { key: 'wall-out', name: `/@${bigWall.handle} signed out`, url: `${appUrl}/@${bigWall.handle}`, server: app, kind: 'page', check: wallCheck(bigWall.handle, false) },
    { key: 'wall-in', name: `/@${bigWall.handle} signed in`, url: `${appUrl}/@${bigWall.handle}`, server: app, kind: 'page', headers: signedIn, check: wallCheck(bigWall.handle, true) },
    { key: 'wall2-out', name: `/@${medianWall.handle} signed out`, url: `${appUrl}/@${medianWall.handle}`, server: app, kind: 'page', check: wallCheck(medianWall.handle, false) },
    { key: 'post-out', name: `/posts/${showcase.id} signed out`, url: `${appUrl}/posts/${showcase.id}`, server: app, kind: 'page', check: postCheck(false) },
    { key: 'post-in', name: `/posts/${showcase.id} signed in`, url: `${appUrl}/posts/${showcase.id}`, server: app, kind: 'page', headers: signedIn, check: postCheck(true) },
    base.select1Again,
  ];
  const measured = await measureTargets(all, [app, servers.dbBase, servers.bare!], settings, dbName);

  const c = manifest.counts;
  await report({
    title: 'Wall and post pages',
    filePrefix: 'wall-and-post',
    started,
    settings,
    pool,
    app,
    profileDir: servers.profileDir,
    measured,
    targetShare: TARGET_SHARE,
    goal: 'each page ≥ 15 % of the select-1 route',
    about: {
      database: { url: databaseUrl.replace(/:[^:@/]*@/, ':***@'), seededAt: manifest.seededAt, counts: manifest.counts },
      viewer: { handle: viewer.handle, following: viewer.following },
    },
    describe: [
      `Database: seeded ${manifest.seededAt} — ${c.users} members, ${c.follows} follows, ${c.posts} posts, ${c.comments} comments, ${c.post_likes} post likes, ${c.comment_likes} comment likes, ${c.notifications} notifications`,
      `Walls: @${bigWall.handle} (${bigWall.posts} posts, ${bigWall.publicPosts} public — ${bigWall.note}), @${medianWall.handle} (${medianWall.posts} posts — ${medianWall.note}); post ${showcase.id}: 50 comments (${showcase.topLevel} top-level, ${showcase.replies} replies); signed in as @${viewer.handle} (follows ${viewer.following})`,
    ],
    cleanup,
  });
}

await runAndExit(main, cleanup);
