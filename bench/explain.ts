// EXPLAIN (ANALYZE, BUFFERS) for every query the wall and post pages make: `node bench/explain.ts`.
//
// The queries are captured, not retyped: the real application (buildApp) runs in this process on
// a Kysely instance whose `log` hook records each compiled statement with its parameters, and the
// four pages of bench/wall-and-post.ts are requested with app.inject() — /@<largest wall> and
// /posts/<showcase post>, signed out and signed in — and the three of bench/feed.ts (the home feed
// signed in, page 1 and page 10, and the visitors' home page) (a session row for the manifest's viewer,
// deleted at the end). Each distinct statement is then explained twice with its own parameters
// (the second, warm run is reported; statements that write are explained inside a transaction that
// is rolled back).
//
// Flags: a sequential scan on posts, comments, post_likes, comment_likes, follows, post_tags,
// notifications or users (and, informationally, on the other per-member tables), and index scans
// that read far more rows than they keep. Also prints, per page, how many statements it runs, their
// summed execution time on the server, and how long the request takes in-process (Node CPU + waits)
// over a few hundred repetitions, to separate database time from Node time.
//
// With the forum seeded too (npm run bench:seed-forum), its pages are explained as well: topic,
// topic page 2, category (signed out and in) and the discussions index with each filter;
// BENCH_EXPLAIN_ONLY=forum explains those alone.
//
// Needs the seeded database (npm run bench:seed). DATABASE_URL defaults to the bench database;
// BENCH_EXPLAIN_REPEAT sets the repetitions of the timing part (default 300, 0 = skip).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import type { Database } from '../server/db/schema.ts';
import { backfillCategory, backfillMember, deliverToFollowersOf, FEED_REASONS, fanOutPost, trimFeeds, withdrawCategory, withdrawMember } from '../server/repos/feed.ts';
import { FORUM_MANIFEST_PATH, RESULTS_DIR, ROOT, SEED_MANIFEST_PATH, benchDatabaseUrl, fileStamp, insertBenchSession, readManifest } from './lib.ts';

const WATCHED = ['posts', 'comments', 'post_likes', 'comment_likes', 'follows', 'post_tags', 'notifications', 'users', 'topics', 'topic_replies', 'topic_reply_likes', 'topic_reads', 'topic_tags', 'feed_items'];
const ALSO_WATCHED = ['post_mentions', 'profiles', 'profile_tags', 'profile_answers', 'sessions', 'post_photos'];
const INT8 = 20;

const { databaseUrl } = benchDatabaseUrl();
const repeat = Number(process.env.BENCH_EXPLAIN_REPEAT ?? '300');

interface Captured {
  sql: string;
  params: readonly unknown[];
  ms: number;
}

let capturing: Captured[] | undefined;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Parent Relationship'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Actual Total Time'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  'Sort Method'?: string;
  Filter?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

function walk(node: PlanNode, depth = 0, out: { node: PlanNode; depth: number }[] = []) {
  out.push({ node, depth });
  for (const child of node.Plans ?? []) walk(child, depth + 1, out);
  return out;
}

const shorten = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

function describeParams(params: readonly unknown[]): string {
  return params
    .map((p, i) => `$${i + 1}=${p instanceof Date ? p.toISOString() : typeof p === 'string' ? JSON.stringify(shorten(p, 24)) : String(p)}`)
    .join(' ');
}

/** What the query is, in a few words, from its SQL. */
function label(sqlText: string): string {
  const s = oneLine(sqlText);
  const from = /^(select|update|insert into|delete from)\s.*?\b(?:from|into|update)?\s*"?(\w+)"?(?:\s+as\s+"?(\w+)"?)?/i.exec(s);
  const verb = s.split(' ')[0]!.toLowerCase();
  const table = /\bfrom "?(\w+)"?/i.exec(s)?.[1] ?? /^update "?(\w+)"?/i.exec(s)?.[1] ?? /^insert into "?(\w+)"?/i.exec(s)?.[1] ?? from?.[2] ?? '?';
  const where = /\bwhere (.*?)(?: order by| limit|$)/i.exec(s)?.[1] ?? '';
  const keys = [...where.matchAll(/"(\w+)"\."(\w+)"\s*(=|in|<|>)|"(\w+)"\s*(=|in)/g)].map((m) => (m[2] ? `${m[1]}.${m[2]}` : m[4])).filter(Boolean);
  return `${verb} ${table}${keys.length ? ` by ${[...new Set(keys)].slice(0, 4).join(', ')}` : ''}`;
}

interface Page {
  key: string;
  name: string;
  url: string;
  cookie?: string;
}

interface Explained {
  sql: string;
  params: readonly unknown[];
  label: string;
  pages: string[];
  planningMs: number;
  executionMs: number;
  sharedHit: number;
  sharedRead: number;
  text: string[];
  flags: string[];
  info: string[];
}

async function main() {
  const manifest = await readManifest<{
    viewer: { id: number; handle: string };
    fullWalls: { handle: string }[];
    showcasePosts: { id: number }[];
  }>(SEED_MANIFEST_PATH, 'run npm run bench:seed first');
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 10,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', () => {});
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log(event) {
      if (capturing && event.level === 'query') capturing.push({ sql: event.query.sql, params: event.query.parameters, ms: event.queryDurationMillis });
    },
  });
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'entraide-explain-'));
  const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent', DATABASE_URL: databaseUrl, DATA_DIR: tmp, HOST: '127.0.0.1' });
  const app = await buildApp({ config, database: { db, kind: 'postgres', pool, close: () => db.destroy() } });
  await app.ready();

  const { token, sessionId } = await insertBenchSession(pool, manifest.viewer.id, 'entraide-explain');
  const client = await pool.connect();
  try {
    const first = await app.inject({ method: 'GET', url: `/@${manifest.viewer.handle}`, headers: { cookie: `entraide_session=${token}` } });
    const csrf = /entraide_csrf=([^;]+)/.exec(String(first.headers['set-cookie'] ?? ''))?.[1];
    const signedIn = `entraide_session=${token}${csrf ? `; entraide_csrf=${csrf}` : ''}`;
    const wall = manifest.fullWalls[0]!.handle;
    const postId = manifest.showcasePosts[0]!.id;
    const pages: Page[] = [
      { key: 'wall-out', name: `/@${wall} signed out`, url: `/@${wall}` },
      { key: 'wall-in', name: `/@${wall} signed in`, url: `/@${wall}`, cookie: signedIn },
      { key: 'post-out', name: `/posts/${postId} signed out`, url: `/posts/${postId}` },
      { key: 'post-in', name: `/posts/${postId} signed in`, url: `/posts/${postId}`, cookie: signedIn },
    ];
    // The home feed: page 1, and page 10 reached by following the "older posts" links.
    let feedPage10 = '/';
    for (let i = 1; i < 10; i++) {
      const res = await app.inject({ method: 'GET', url: feedPage10, headers: { cookie: signedIn } });
      const cursor = /href="\/\?before=([^"]+)"/.exec(res.body)?.[1];
      if (!cursor) break;
      feedPage10 = `/?before=${cursor}`;
    }
    pages.push(
      { key: 'feed-1', name: '/ signed in (feed page 1)', url: '/', cookie: signedIn },
      { key: 'feed-10', name: '/ signed in (feed page 10)', url: feedPage10, cookie: signedIn },
      { key: 'home-out', name: '/ signed out', url: '/' },
    );
    // The forum's pages, when bench:seed-forum ran (BENCH_EXPLAIN_ONLY=forum: those alone).
    const forum = await fs
      .readFile(FORUM_MANIFEST_PATH, 'utf8')
      .then((t) => JSON.parse(t) as { topic: { id: number }; category: { id: number } })
      .catch(() => undefined);
    if (process.env.BENCH_EXPLAIN_ONLY === 'forum') pages.length = 0;
    if (forum) {
      const { id: topicId } = forum.topic;
      const after = (await pool.query<{ id: string }>('select id from topic_replies where topic_id = $1 order by id offset 19 limit 1', [topicId])).rows[0]?.id;
      const tag = (await pool.query<{ tag: string }>('select tag from topic_tags group by tag order by count(*) desc limit 1')).rows[0]?.tag ?? 'entraide';
      pages.push(
        { key: 'topic-out', name: `/t/${topicId} signed out`, url: `/t/${topicId}` },
        { key: 'topic-in', name: `/t/${topicId} signed in`, url: `/t/${topicId}`, cookie: signedIn },
        { key: 'topic2-out', name: `/t/${topicId} page 2 signed out`, url: `/t/${topicId}?after=${after}` },
        { key: 'category-out', name: `/c/${forum.category.id} signed out`, url: `/c/${forum.category.id}` },
        { key: 'category-in', name: `/c/${forum.category.id} signed in`, url: `/c/${forum.category.id}`, cookie: signedIn },
        { key: 'discussions-out', name: '/discussions signed out', url: '/discussions' },
        { key: 'unanswered-out', name: '/discussions?filter=unanswered signed out', url: '/discussions?filter=unanswered' },
        { key: 'followed-in', name: '/discussions?filter=followed signed in', url: '/discussions?filter=followed', cookie: signedIn },
        { key: 'tag-topics-out', name: `/discussions?tag=${tag} signed out`, url: `/discussions?tag=${encodeURIComponent(tag)}` },
      );
    }

    // ---- capture ------------------------------------------------------------------------
    const perPage = new Map<string, Captured[]>();
    const amortised: Captured[] = [];
    for (const page of pages) {
      // First request: JIT and caches (the instance settings, cached 5 s) warm up; what it runs
      // beyond the steady state is listed as "amortised".
      capturing = [];
      const warm = await app.inject({ method: 'GET', url: page.url, headers: page.cookie ? { cookie: page.cookie } : {} });
      if (warm.statusCode !== 200) throw new Error(`${page.name} answered ${warm.statusCode}`);
      const warmQueries = capturing;
      capturing = [];
      const res = await app.inject({ method: 'GET', url: page.url, headers: page.cookie ? { cookie: page.cookie } : {} });
      if (res.statusCode !== 200) throw new Error(`${page.name} answered ${res.statusCode}`);
      perPage.set(page.key, capturing);
      const steady = new Set(capturing.map((c) => c.sql));
      for (const w of warmQueries) if (!steady.has(w.sql) && !amortised.some((a) => a.sql === w.sql)) amortised.push(w);
      capturing = undefined;
    }

    // The feed's writes (server/repos/feed.ts), run once in a transaction rolled back: the fan-out of
    // the newest post of the most followed member (with its hashtags), the backfill when the viewer
    // follows a member they do not follow yet, the withdrawal when they unfollow one they follow,
    // and the retention trim of their inbox; with the forum seeded, the delivery of the newest topic
    // of the largest category to its followers, and the backfill and withdrawal of a category follow.
    {
      const star = (await pool.query<{ id: number }>(`select user_id::int as id from profiles order by follower_count desc limit 1`)).rows[0]!.id;
      const post = (
        await pool.query<{ id: number; author_id: number; wall_owner_id: number; visibility: 'public'; created_at: Date }>(
          `select id::int, author_id::int, wall_owner_id::int, visibility, created_at from posts where author_id = $1 order by created_at desc, id desc limit 1`,
          [star],
        )
      ).rows[0]!;
      const tags = (await pool.query<{ tag: string }>(`select tag from post_tags where post_id = $1`, [post.id])).rows.map((r) => r.tag);
      const followed = (await pool.query<{ id: number }>(`select followee_id::int as id from follows where follower_id = $1 and followee_id is not null order by followee_id limit 1`, [manifest.viewer.id])).rows[0]!.id;
      const stranger = (
        await pool.query<{ id: number }>(
          `select author_id::int as id from posts p where author_id <> $1 and not exists (select 1 from follows f where f.follower_id = $1 and f.followee_id = p.author_id) order by created_at desc limit 1`,
          [manifest.viewer.id],
        )
      ).rows[0]!.id;
      const forumWrites = forum
        ? {
            topic: (await pool.query<{ id: number; category_id: number; created_at: Date }>(
              `select id::int, category_id::int, created_at from topics where category_id = $1 order by created_at desc, id desc limit 1`,
              [forum.category.id],
            )).rows[0],
            category: (await pool.query<{ id: number; followed: boolean }>(
              `select c.id::int, exists(select 1 from follows f where f.follower_id = $1 and f.category_id = c.id) as followed from forum_categories c order by c.id`,
              [manifest.viewer.id],
            )).rows,
          }
        : undefined;
      capturing = [];
      const rollback = new Error('rollback');
      await db
        .transaction()
        .execute(async (trx) => {
          await fanOutPost(trx, post, tags);
          await backfillMember(trx, [manifest.viewer.id], stranger);
          await withdrawMember(trx, manifest.viewer.id, followed);
          await trimFeeds(trx, [manifest.viewer.id], 500);
          if (forumWrites?.topic) {
            const t = forumWrites.topic;
            await deliverToFollowersOf(trx, 'category_id', [t.category_id], { topicId: t.id, feedAt: t.created_at }, FEED_REASONS.topic);
          }
          const unfollowed = forumWrites?.category.find((c) => !c.followed);
          const followedCategory = forumWrites?.category.find((c) => c.followed);
          if (unfollowed) await backfillCategory(trx, manifest.viewer.id, unfollowed.id);
          if (followedCategory) await withdrawCategory(trx, manifest.viewer.id, followedCategory.id);
          throw rollback;
        })
        .catch((err: unknown) => {
          if (err !== rollback) throw err;
        });
      perPage.set('feed-writes', capturing.filter((c) => !/^\s*(begin|commit|rollback)/i.test(c.sql)));
      capturing = undefined;
    }

    // ---- explain ------------------------------------------------------------------------
    const distinct = new Map<string, Explained>();
    const explainOne = async (c: Captured, pageName: string) => {
      const key = `${c.sql}\u0000${JSON.stringify(c.params)}`;
      const existing = distinct.get(key);
      if (existing) {
        if (!existing.pages.includes(pageName)) existing.pages.push(pageName);
        return;
      }
      const writes = /^\s*(insert|update|delete)/i.test(c.sql);
      let json: { Plan: PlanNode; 'Planning Time': number; 'Execution Time': number } | undefined;
      let text: string[] = [];
      for (let run = 0; run < 2; run++) {
        if (writes) await client.query('begin');
        try {
          json = ((await client.query(`explain (analyze, buffers, format json) ${c.sql}`, c.params as unknown[])).rows[0] as { 'QUERY PLAN': [typeof json] })['QUERY PLAN'][0];
          if (run === 1) text = (await client.query(`explain (analyze, buffers) ${c.sql}`, c.params as unknown[])).rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']);
        } finally {
          if (writes) await client.query('rollback');
        }
      }
      const nodes = walk(json!.Plan);
      const flags: string[] = [];
      const info: string[] = [];
      let hit = 0;
      let read = 0;
      for (const { node } of nodes) {
        const rel = node['Relation Name'];
        if (node['Node Type'] === 'Seq Scan' && rel) {
          const rows = node['Actual Rows'] ?? 0;
          const removed = node['Rows Removed by Filter'] ?? 0;
          if (WATCHED.includes(rel)) flags.push(`SEQ SCAN on ${rel} (read ${(rows + removed) * (node['Actual Loops'] ?? 1)} rows to keep ${rows})`);
          else if (ALSO_WATCHED.includes(rel)) info.push(`seq scan on ${rel} (${rows + removed} rows; small or not indexed for this)`);
          else info.push(`seq scan on ${rel} (${rows + removed} rows, a tiny table)`);
        }
        const removed = (node['Rows Removed by Filter'] ?? 0) * (node['Actual Loops'] ?? 1);
        const kept = (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1);
        if (/Index/.test(node['Node Type']) && removed > 200 && removed > kept * 5) {
          flags.push(`${node['Node Type']} on ${rel ?? node['Index Name']} via ${node['Index Name']} discards ${removed} rows by filter to keep ${kept}`);
        }
        if (node['Sort Method'] && /external/i.test(node['Sort Method'])) flags.push(`sort spills to disk (${node['Sort Method']})`);
      }
      // top node buffers are cumulative
      hit = json!.Plan['Shared Hit Blocks'] ?? 0;
      read = json!.Plan['Shared Read Blocks'] ?? 0;
      distinct.set(key, {
        sql: c.sql,
        params: c.params,
        label: label(c.sql),
        pages: [pageName],
        planningMs: json!['Planning Time'],
        executionMs: json!['Execution Time'],
        sharedHit: hit,
        sharedRead: read,
        text,
        flags,
        info,
      });
    };
    // The writes are explained (and listed per page) with the pages, not timed with them.
    const timedPages = [...pages];
    pages.push({ key: 'feed-writes', name: 'feed writes (fan-out, backfill, withdraw, trim; with the forum: topic delivery, category backfill and withdrawal)', url: '' });
    for (const page of pages) for (const c of perPage.get(page.key)!) await explainOne(c, page.name);
    for (const c of amortised) await explainOne(c, 'amortised (first request after 5 s)');

    // ---- report -------------------------------------------------------------------------
    const lines: string[] = [];
    const out = (l = '') => {
      lines.push(l);
      console.log(l);
    };
    out(`# EXPLAIN of the wall and post pages — ${new Date().toISOString()}`);
    out();
    const all = [...distinct.values()];
    all.forEach((e, i) => {
      out(`## Q${i + 1}. ${e.label}`);
      out(`pages: ${e.pages.join(' · ')}`);
      out(`planning ${e.planningMs.toFixed(3)} ms · execution ${e.executionMs.toFixed(3)} ms · buffers hit ${e.sharedHit} read ${e.sharedRead}`);
      out('```sql');
      out(shorten(oneLine(e.sql), 1200));
      out(`-- ${shorten(describeParams(e.params), 400)}`);
      out('```');
      out('```');
      for (const l of e.text.filter((l) => !/^\s*(Planning|Execution) Time/.test(l))) out(l);
      out('```');
      out(`verdict: ${e.flags.length ? `⚠ ${e.flags.join('; ')}` : 'OK (index access only)'}${e.info.length ? ` — note: ${e.info.join('; ')}` : ''}`);
      out();
    });

    out('## Per page');
    out();
    out('| Page | Statements | Sum of execution (ms) | Sum of planning (ms) | Statements flagged |');
    out('| --- | ---: | ---: | ---: | ---: |');
    for (const page of pages) {
      const qs = perPage.get(page.key)!.map((c) => distinct.get(`${c.sql}\u0000${JSON.stringify(c.params)}`)!);
      out(`| ${page.name} | ${qs.length} | ${qs.reduce((s, q) => s + q.executionMs, 0).toFixed(2)} | ${qs.reduce((s, q) => s + q.planningMs, 0).toFixed(2)} | ${qs.filter((q) => q.flags.length).length} |`);
    }
    out();
    const repeated = pages.map((page) => {
      const counts = new Map<string, number>();
      for (const c of perPage.get(page.key)!) counts.set(`${c.sql}\u0000${JSON.stringify(c.params)}`, (counts.get(`${c.sql}\u0000${JSON.stringify(c.params)}`) ?? 0) + 1);
      const dup = [...counts.entries()].filter(([, n]) => n > 1).map(([k, n]) => `${distinct.get(k)!.label} ×${n}`);
      return dup.length ? `- ${page.name}: the same statement with the same parameters runs more than once: ${dup.join(', ')}` : undefined;
    });
    for (const r of repeated) if (r) out(r);
    if (amortised.length) out(`- Every 5 s (settings cache): ${amortised.map((a) => label(a.sql)).join(', ')}`);
    out();

    // ---- in-process timing: Node time vs database time ---------------------------------
    if (repeat > 0) {
      out(`## In-process timing (${repeat} requests per page, one at a time, app.inject)`);
      out();
      out('| Page | Wall time per request (ms) | Node CPU per request (ms) | Statement time seen by the client, summed (ms) | Response KiB |');
      out('| --- | ---: | ---: | ---: | ---: |');
      for (const page of timedPages) {
        const headers = page.cookie ? { cookie: page.cookie } : {};
        for (let i = 0; i < 30; i++) await app.inject({ method: 'GET', url: page.url, headers });
        capturing = [];
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        let bytes = 0;
        for (let i = 0; i < repeat; i++) bytes += (await app.inject({ method: 'GET', url: page.url, headers })).rawPayload.length;
        const wall = (performance.now() - t0) / repeat;
        const cpu = process.cpuUsage(cpu0);
        const dbMs = capturing.reduce((s, c) => s + c.ms, 0) / repeat;
        capturing = undefined;
        out(`| ${page.name} | ${wall.toFixed(2)} | ${((cpu.user + cpu.system) / 1000 / repeat).toFixed(2)} | ${dbMs.toFixed(2)} | ${(bytes / repeat / 1024).toFixed(1)} |`);
      }
      out();
      out('Node CPU includes the inject machinery (no sockets) and the pg driver; statement time seen by the client includes the round trip and the driver’s parsing of rows.');
      out();
    }

    const flagged = all.filter((e) => e.flags.length);
    out('## Verdict');
    out();
    if (!flagged.length) out(`No sequential scan on ${WATCHED.join(', ')} and no wasteful index scan in the ${all.length} distinct statements of these pages.`);
    else for (const e of flagged) out(`- ⚠ ${e.label} (${e.pages.join(', ')}): ${e.flags.join('; ')}`);
    const slow = all.filter((e) => e.executionMs > 2).sort((a, b) => b.executionMs - a.executionMs);
    if (slow.length) out(`- Statements over 2 ms: ${slow.map((e) => `${e.label} ${e.executionMs.toFixed(2)} ms`).join('; ')}`);
    out();

    await fs.mkdir(RESULTS_DIR, { recursive: true });
    const file = path.join(RESULTS_DIR, `explain-${fileStamp(new Date())}.md`);
    await fs.writeFile(file, `${lines.join('\n')}\n`);
    console.log(`Wrote ${path.relative(ROOT, file)}`);
  } finally {
    capturing = undefined;
    client.release();
    await pool.query('delete from sessions where id = $1', [sessionId]).catch(() => {});
    await app.close();
    await db.destroy().catch(() => {});
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (err) {
  console.error(`explain failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
}
