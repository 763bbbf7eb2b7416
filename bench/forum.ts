// Forum pages on a seeded Postgres: `npm run bench:forum`.
//
// Needs the network of `npm run bench:seed` and the forum of `npm run bench:seed-forum` (it reads
// bench/results/forum-manifest.json). Starts, as child processes on free 127.0.0.1 ports: the real
// server (node server/main.ts, NODE_ENV=production, LOG_LEVEL=warn, the same DATABASE_URL), the
// database baseline (bench/baseline-db-server.ts: one `select 1` per request through a pg Pool) and,
// for reference, the bare Fastify baseline. Then, with autocannon:
//
//   select 1 baseline · bare Fastify · /t/<topic> (opening post + 20 replies) signed out and in ·
//   /t/<topic>?after=<20th reply> (second page) signed out · /c/<largest category> signed out and in ·
//   /discussions signed out · select 1 again
//
// Every target is checked once first (200, and the content expected: the opening post and 20
// replies on the topic page, 30 topics on the category page, the signed-in navigation or the
// login link). "Signed in" is a session row inserted for the manifest's viewer, sent as the
// entraide_session cookie with the CSRF cookie a browser holds; signed-out requests carry no
// cookie. Signed-in topic pages also move the viewer's read position (a write per request once
// the position is behind, as for a member reading): the bench reads a topic the viewer has
// already read to its end, so the write is skipped as it would be on a re-read.
// The CPU time of the server, of the bench database's Postgres backends, of the load generator
// and of the whole machine is read from /proc during each target (bench/measure-lib.ts).
//
// Settings (environment): DATABASE_URL (default postgres://postgres@127.0.0.1:5432/entraide_bench),
// BENCH_DURATION (10), BENCH_CONNECTIONS (10), BENCH_WARMUP (3), BENCH_TARGETS (comma-separated
// keys), BENCH_PROFILE (1: --cpu-prof), BENCH_QUIET_WAIT (180).
//
// The product target: the topic page signed out at least 20 % of the select-1 route's requests per
// second (the other rows are shown against the same share, for information).
import {
  FORUM_MANIFEST_PATH,
  baselineTargets,
  benchDatabaseUrl,
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

const TARGET_SHARE = 0.2;

const settings = measureSettings();
const { databaseUrl, dbName } = benchDatabaseUrl();

interface Manifest {
  seededAt: string;
  members: number;
  counts: Record<string, number>;
  topic: { id: number; title: string; replies: number; categoryId: number };
  category: { id: number; name: string; topics: number };
  viewer: { id: number; handle: string };
  durationS: number;
}

const held: Held = { keepTmpDir: settings.profile };
const cleanup = cleanupHeld(held);

async function main(): Promise<void> {
  const started = new Date();
  const manifest = await readManifest<Manifest>(FORUM_MANIFEST_PATH, 'run npm run bench:seed, then npm run bench:seed-forum');
  const pool = (held.pool = openBenchPool(databaseUrl));

  // The database must be the one the manifest describes.
  const topics = Number((await pool.query<{ n: string }>('select count(*) as n from topics')).rows[0]!.n);
  if (topics !== manifest.counts.topics) throw new Error(`the database has ${topics} topics, the manifest ${manifest.counts.topics}: seed the forum again (npm run bench:seed-forum -- --reset)`);
  const topic = manifest.topic;
  const row = (await pool.query<{ reply_count: number; locked_at: Date | null }>('select reply_count, locked_at from topics where id = $1', [topic.id])).rows[0];
  if (!row || row.reply_count < 40 || row.locked_at) throw new Error(`topic ${topic.id} should have at least 40 replies and be open: seed the forum again`);
  const secondPageAfter = Number(
    (await pool.query<{ id: string }>('select id from topic_replies where topic_id = $1 order by id offset 19 limit 1', [topic.id])).rows[0]!.id,
  );
  const viewer = manifest.viewer;
  // The viewer has read the topic to its end (a re-read: no write per request).
  await pool.query(
    `insert into topic_reads (user_id, topic_id, last_read_reply_id) select $1, id, coalesce(last_reply_id, 0) from topics where id = $2
     on conflict (user_id, topic_id) do update set last_read_reply_id = excluded.last_read_reply_id`,
    [viewer.id, topic.id],
  );
  const category = manifest.category;

  const servers = await signInAndStart(pool, held, { userId: viewer.id, databaseUrl, tmpPrefix: 'entraide-bench-forum-', firstPath: '/discussions', profile: settings.profile, bare: true });
  const { app, appUrl, signedIn } = servers;

  const signedCheck = (body: string, signed: boolean) => {
    if (signed && !body.includes(`href="/@${viewer.handle}"`)) return 'not signed in (no link to the viewer’s profile)';
    if (!signed && !body.includes('href="/login')) return 'no login link while signed out';
    if (!signed && body.includes('href="/notifications"')) return 'signed-out page shows the notifications link';
    return undefined;
  };
  const topicCheck = (signed: boolean, firstPage: boolean) => (body: string) => {
    if (firstPage !== body.includes('id="opening"')) return firstPage ? 'no opening post on the first page' : 'the opening post on a later page';
    const replies = count(body, '<li class="reply');
    if (replies !== 20) return `the topic page shows ${replies} replies, expected 20`;
    if (signed && !body.includes(`action="/t/${topic.id}/replies"`)) return 'no reply form while signed in';
    return signedCheck(body, signed);
  };
  const categoryCheck = (signed: boolean) => (body: string) => {
    const rows = count(body, '<li class="topic-row');
    if (rows < 30) return `the category page shows ${rows} topics, expected at least 30`;
    return signedCheck(body, signed);
  };
  const discussionsCheck = (body: string) => {
    const rows = count(body, '<li class="topic-row');
    if (rows !== 30) return `the discussions page shows ${rows} topics, expected 30`;
    return signedCheck(body, false);
  };

  const base = baselineTargets(servers);
  const all: Target[] = [
    base.select1,
    base.bare!,
    { key: 'topic-out', name: `/t/${topic.id} signed out`, url: `${appUrl}/t/${topic.id}`, server: app, kind: 'page', check: topicCheck(false, true) },
    { key: 'topic-in', name: `/t/${topic.id} signed in`, url: `${appUrl}/t/${topic.id}`, server: app, kind: 'page', headers: signedIn, check: topicCheck(true, true) },
    { key: 'topic2-out', name: `/t/${topic.id} page 2 signed out`, url: `${appUrl}/t/${topic.id}?after=${secondPageAfter}`, server: app, kind: 'page', check: topicCheck(false, false) },
    { key: 'category-out', name: `/c/${category.id} signed out`, url: `${appUrl}/c/${category.id}`, server: app, kind: 'page', check: categoryCheck(false) },
    { key: 'category-in', name: `/c/${category.id} signed in`, url: `${appUrl}/c/${category.id}`, server: app, kind: 'page', headers: signedIn, check: categoryCheck(true) },
    { key: 'discussions-out', name: '/discussions signed out', url: `${appUrl}/discussions`, server: app, kind: 'page', check: discussionsCheck },
    base.select1Again,
  ];
  const measured = await measureTargets(all, [app, servers.dbBase, servers.bare!], settings, dbName);

  const c = manifest.counts;
  await report({
    title: 'Forum pages',
    filePrefix: 'forum',
    started,
    settings,
    pool,
    app,
    profileDir: servers.profileDir,
    measured,
    targetShare: TARGET_SHARE,
    goal: 'the topic pages signed out ≥ 20 % of the select-1 route',
    goalNote: '; the others are shown against the same share',
    counts: (r) => r.key.startsWith('topic') && r.key.endsWith('-out'),
    about: {
      database: { url: databaseUrl.replace(/:[^:@/]*@/, ':***@'), forumSeededAt: manifest.seededAt, members: manifest.members, counts: manifest.counts },
      topic: manifest.topic,
      category: manifest.category,
      viewer: { handle: viewer.handle },
    },
    describe: [
      `Database: forum seeded ${manifest.seededAt} — ${manifest.members} members, ${c.forum_categories} categories, ${c.topics} topics, ${c.topic_replies} replies, ${c.topic_reply_likes} reply likes, ${c.topic_reads} read positions`,
      `Topic ${topic.id} (${topic.replies} replies; 20 per page with the opening post on the first); category ${category.id} “${category.name}” (${category.topics} topics, 30 per page after the pinned ones); signed in as @${viewer.handle}`,
    ],
    cleanup,
  });
}

await runAndExit(main, cleanup);
