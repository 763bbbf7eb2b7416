// Adds the discussion forum to a network seeded by `npm run bench:seed`: `npm run bench:seed-forum`.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/entraide_bench npm run bench:seed-forum [-- --reset]
//
// Categories (one of them restricted, "Annonces"), topics in French spread over 400 days, replies
// (most topics get a few, some get hundreds), likes on replies, quotes, @mentions and #hashtags
// (topic_tags), pinned and locked topics, authors following their topics and members following
// categories, read positions (topic_reads) and the notifications replies and mentions create.
// The home feed inboxes of category followers get the topic items the app writes (the newest 50
// topics of each followed category, what a follow backfills), each inbox trimmed back to the
// seed's --feed-keep (bench/results/seed-manifest.json, else 500) newest items.
// Every topic counter (reply_count, last_reply_id, last_poster_id, last_activity_at) and every
// like counter is computed from the rows and checked at the end.
//
// It adds to the database, never touching what bench:seed wrote, and refuses to run twice unless
// --reset is given (which deletes the forum rows only). Like bench:seed: the bodies are rendered
// once by the app's Markdown renderer into pools; every large table is filled by
// INSERT … SELECT generate_series in chunks with progress; the forum tables' secondary indexes
// are dropped during the load and rebuilt from their definitions; foreign-key triggers are off
// when the role may (references checked by anti-joins after); VACUUM ANALYZE at the end.
//
// Writes bench/results/forum-manifest.json: the counts, the benchmark topic (at least 20 replies
// on its first page, not locked), the largest category and the member to sign in as.
//
// Options (after `--`):
//   --reset              delete the forum rows first (categories, topics, replies, their follows and notifications)
//   --categories=N       categories                                (default 8, at most 12)
//   --topics=N           topics                                    (default 50000)
//   --replies=N          replies                                   (default 1000000)
//   --reply-likes=N      likes on replies                          (default 300000)
//   --seed=N             random seed                               (default 7)
import fs from 'node:fs/promises';
import pg from 'pg';
import { openPostgres } from '../server/db/connection.ts';
import { migrateToLatest } from '../server/db/migrator.ts';
import { FORUM_MANIFEST_PATH, SEED_MANIFEST_PATH } from './lib.ts';
import {
  Progress,
  dropSecondaryIndexes,
  fmt,
  insertPool,
  int,
  makePool,
  parseOptions,
  relative,
  runChecks,
  secs,
  seedDatabaseUrl,
  seededRandom,
  startLoadSession,
  writeManifest,
  type Draft,
  type Mentionable,
} from './seed-lib.ts';

const args = parseOptions(
  'Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/entraide_bench node bench/seed-forum.ts [--reset] [--categories=N] [--topics=N] [--replies=N] [--reply-likes=N] [--seed=N]',
  ['--reset', '--categories', '--topics', '--replies', '--reply-likes', '--seed'],
);
const opts = {
  reset: args.flag('reset'),
  categories: args.int('categories', 8, 2, 12),
  topics: args.int('topics', 50_000, 100, 5_000_000),
  replies: args.int('replies', 1_000_000, 1_000, 100_000_000),
  replyLikes: args.int('reply-likes', 300_000, 0, 100_000_000),
  seed: args.int('seed', 7, 0, 2 ** 31),
};

const { url: dbUrl, safeUrl } = seedDatabaseUrl('bench:seed-forum');
const { rand, pick, pickSkewed, between } = seededRandom(opts.seed);

// ---- French material -------------------------------------------------------------------------

const CATEGORIES = [
  { name: 'Annonces', description: 'Les nouvelles de l’association et de l’instance.', colour: '#a3261b', restricted: true },
  { name: 'Entraide', description: 'Demander ou proposer un coup de main.', colour: '#1f6f5c', restricted: false },
  { name: 'Prêts d’objets', description: 'Perceuses, escabeaux, poussettes : ce qui se prête.', colour: '#3b6ea5', restricted: false },
  { name: 'Jardinage', description: 'Jardins partagés, semis, compost et balcons.', colour: '#4d7c0f', restricted: false },
  { name: 'Réparations', description: 'Repair café, vélos, électroménager.', colour: '#92400e', restricted: false },
  { name: 'Vie du quartier', description: 'Ce qui se passe près de chez nous.', colour: '#6b21a8', restricted: false },
  { name: 'Sorties et loisirs', description: 'Balades, jeux, chorale, sport.', colour: '#0e7490', restricted: false },
  { name: 'Démarches administratives', description: 'Logement, CAF, impôts : on s’aide.', colour: '#334155', restricted: false },
  { name: 'Alimentation', description: 'Épicerie solidaire, paniers, recettes.', colour: '#b45309', restricted: false },
  { name: 'Numérique', description: 'Ordinateurs, téléphones, initiation.', colour: '#1d4ed8', restricted: false },
  { name: 'Enfance et parentalité', description: 'Garde, devoirs, sorties en famille.', colour: '#be185d', restricted: false },
  { name: 'Santé', description: 'Accompagnements, rendez-vous, bien-être.', colour: '#047857', restricted: false },
];
const TITLE_STARTS = [
  'Qui aurait', 'Besoin d’aide pour', 'Recherche', 'Je propose', 'Idée :', 'Question sur', 'Retour sur', 'Organisation de', 'Appel à bénévoles pour', 'Conseils pour',
];
const TITLE_ENDS = [
  'une perceuse à prêter ce week-end', 'le déménagement de samedi', 'la fête des voisins', 'le compost collectif', 'des cours d’informatique pour les aînés',
  'la réparation d’un vélo', 'un covoiturage vers le marché', 'la collecte de fournitures scolaires', 'le jardin partagé', 'la gratiferia du mois prochain',
  'l’aide aux devoirs', 'un dossier de logement social', 'la boîte à livres', 'la sortie à la mer', 'les paniers de l’épicerie solidaire', 'un atelier couture',
  'la chorale du jeudi', 'la maraude de l’hiver', 'le troc de plantes', 'un groupe de marche',
];
const SENTENCES = [
  'Quelqu’un aurait-il une perceuse à prêter ce week-end ?', 'Merci à toutes celles et ceux qui sont venus samedi.', 'Je peux passer en fin de journée.',
  'Le composteur collectif est plein, pensez à mélanger avec des feuilles sèches.', 'La réunion de l’association est décalée à 19 h.',
  'Est-ce que quelqu’un connaît un bon cordonnier dans le quartier ?', 'On pourrait le refaire le mois prochain ?', 'Je ramène des gâteaux.',
  'Les inscriptions sont ouvertes jusqu’à vendredi.', 'Je peux prêter ma voiture pour le trajet.', 'Il faudrait prévenir la mairie.', 'Courage, on est avec toi.',
  'Le jardin partagé ouvre ses portes samedi de 10 h à 17 h.', 'Je cherche quelqu’un qui parle portugais pour accompagner une voisine.',
  'L’épicerie solidaire cherche des bénévoles le mercredi après-midi.', 'Je propose de l’aide aux devoirs en anglais.', 'Bonne idée, on fait comment pour s’inscrire ?',
  'Attention, le parking est fermé ce jour-là.', 'C’est noté dans mon agenda.', 'Est-ce que c’est accessible en fauteuil ?', 'Super, merci pour l’info !',
  'J’en ai parlé à ma voisine, elle est partante.', 'Le repair café a sauvé trois grille-pain ce mois-ci.', 'Je donne un canapé deux places en bon état.',
];
const LISTS = ['Ce qu’il faut apporter :\n\n- des gants\n- un sécateur\n- de la bonne humeur', 'Au programme :\n\n1. accueil et café\n2. ateliers\n3. repas partagé'];
const HASHTAGS = ['entraide', 'quartier', 'jardinage', 'bricolage', 'solidarité', 'covoiturage', 'réparation', 'cuisine', 'bénévolat', 'vélo', 'compost', 'troc', 'aînés'];
const LOCK_REASONS = ['Sujet résolu, merci à tous.', 'Doublon d’un autre sujet.', 'Échanges devenus hors sujet.', 'Événement passé.'];

function text(members: Mentionable[], opening: boolean): Draft {
  const sentences = (n: number) => Array.from({ length: n }, () => pick(SENTENCES)).join(' ');
  const parts = opening ? [`Bonjour à tous, ${sentences(between(1, 3))}`, sentences(between(1, 4))] : [sentences(between(1, 3))];
  if (opening && rand() < 0.3) parts.splice(1, 0, pick(LISTS));
  if (!opening && rand() < 0.1) parts.unshift(`> ${pick(SENTENCES)}`); // a quote
  const mentioned: Mentionable[] = [];
  if (rand() < (opening ? 0.15 : 0.08)) {
    const m = pickSkewed(members, 2);
    mentioned.push(m);
    parts[0] = `@${m.handle} ${parts[0]}`;
  }
  if (rand() < (opening ? 0.4 : 0.1)) parts[parts.length - 1] += ` #${pickSkewed(HASHTAGS, 2)}`;
  return { text: parts.join('\n\n'), mentioned };
}

const progress = new Progress();

const FORUM_TABLES = ['topics', 'topic_replies', 'topic_reply_likes', 'topic_reads', 'topic_tags'];

async function main(): Promise<void> {
  const startedAt = new Date();
  console.log(`Adding the forum to ${safeUrl}: ${opts.categories} categories, ${fmt(opts.topics)} topics, ${fmt(opts.replies)} replies, ${fmt(opts.replyLikes)} reply likes (seed ${opts.seed})`);
  // The forum's migration (and any other pending one) first, the way the server does it.
  const handle = openPostgres(dbUrl.href, { max: 1, preparedStatements: false });
  try {
    const applied = await migrateToLatest(handle.db);
    console.log(`Migrations: ${applied.length ? `applied ${applied.length}` : 'up to date'}.`);
  } finally {
    await handle.close();
  }

  const client = new pg.Client({ connectionString: dbUrl.href });
  await client.connect();
  const q = async (sqlText: string, values?: unknown[]) => (await client.query(sqlText, values)).rowCount ?? 0;
  const one = async <T>(sqlText: string, values?: unknown[]) => (await client.query(sqlText, values)).rows[0] as T;
  try {
    const N = Number((await one<{ n: string }>(`select count(*) as n from users where status = 'active'`)).n);
    if (N < 50) throw new Error(`${safeUrl} has ${N} active members: run npm run bench:seed first`);
    const existing = Number((await one<{ n: string }>('select count(*) as n from forum_categories')).n);
    if (existing > 0 && !opts.reset) throw new Error(`${safeUrl} already has a forum (${existing} categories). Run with --reset to delete the forum rows and seed them again.`);
    if (existing > 0) {
      const t0 = performance.now();
      await client.query('begin');
      await client.query('delete from notifications where topic_id is not null or reply_id is not null');
      await client.query('delete from follows where topic_id is not null or category_id is not null');
      // TRUNCATE is refused: follows and notifications reference these tables (their rows are gone above).
      await client.query('update topics set last_reply_id = null where last_reply_id is not null');
      for (const table of ['topic_tags', 'topic_reads', 'topic_reply_likes', 'topic_replies', 'topics', 'forum_categories']) await client.query(`delete from ${table}`);
      await client.query('commit');
      console.log(`--reset: forum rows deleted in ${secs(performance.now() - t0)}`);
    }

    const triggersOff = await startLoadSession(client, opts.seed);

    const T = opts.topics;
    const R = opts.replies;
    progress.plannedRows = opts.categories + T * 3 + R + opts.replyLikes + Math.round(R * 0.5);

    // Members in a dense numbering (idx 1..N) so SQL can pick them by a random number.
    await client.query(`create temporary table tmp_members as select row_number() over (order by id)::int as idx, id, handle, role from users where status = 'active'`);
    await client.query('create unique index on tmp_members (idx)');
    await client.query('analyze tmp_members');
    const members = (await client.query<Mentionable>('select id::int as id, handle from tmp_members order by idx limit 2000')).rows;
    const staff = (await client.query<{ id: number }>(`select id::int as id from tmp_members where role in ('moderator', 'admin') order by id limit 20`)).rows.map((r) => r.id);
    if (!staff.length) staff.push(members[0]!.id);

    // ---- pools ------------------------------------------------------------------------------
    let t0 = performance.now();
    const openings = makePool(3000, () => text(members, true));
    const replies = makePool(6000, () => text(members, false));
    const titles = [...new Set(Array.from({ length: 4000 }, () => `${pick(TITLE_STARTS)} ${pick(TITLE_ENDS)}${rand() < 0.5 ? ` (${pick(['rue des Lilas', 'quartier nord', 'résidence du Parc', 'centre-ville', 'près de l’école'])})` : ''}`))];
    console.log(`Pools rendered by server/services/markdown.ts in ${secs(performance.now() - t0)}: ${openings.length} opening posts, ${replies.length} replies, ${titles.length} titles`);
    await insertPool(client, 'tmp_openings', openings);
    await insertPool(client, 'tmp_replies', replies);
    await client.query(`create temporary table tmp_titles as select (ordinality - 1)::int as idx, title from unnest($1::text[]) with ordinality as title`, [titles]);

    // ---- drop the forum tables' secondary indexes during the load ------------------------------
    const { rebuild } = await dropSecondaryIndexes(client, FORUM_TABLES);
    // Whatever happens next, the indexes come back (a failed run must not leave the schema without them).
    let total = 0;
    try {
      // ---- categories -------------------------------------------------------------------------
      console.log('Categories, topics (over the last 400 days) and replies…');
      const cats = CATEGORIES.slice(0, opts.categories);
      await progress.single('categories', () =>
        q(
          `insert into forum_categories (name, description, colour, position, restricted)
           select n, d, c, p, r from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bool[]) as x(n, d, c, p, r)`,
          [cats.map((c) => c.name), cats.map((c) => c.description), cats.map((c) => c.colour), cats.map((_, i) => i), cats.map((c) => c.restricted)],
        ),
      );
      const catIds = (await client.query<{ id: number; restricted: boolean }>('select id::int as id, restricted from forum_categories order by position')).rows;
      const restrictedId = catIds.find((c) => c.restricted)?.id ?? 0;
      const openCats = catIds.filter((c) => !c.restricted).map((c) => c.id);

      // ---- topics: ids follow creation time; 1 % are announcements by staff -----------------------
      const firstTopicId = Number((await one<{ n: string }>('select coalesce(max(id), 0) + 1 as n from topics')).n);
      const startEpoch = Math.floor(Date.now() / 1000) - 400 * 86_400;
      const stepSec = (400 * 86_400) / T;
      await progress.chunked('topics', T, 20_000, (from, to) =>
        q(
          `insert into topics (id, category_id, author_id, title, body, body_html, created_at, last_activity_at, last_poster_id)
           select ${int(firstTopicId - 1)} + g, x.cat, m.id, t.title, o.body, o.body_html, x.at, x.at, m.id
             from (
               select g, to_timestamp(${int(startEpoch)} + (g - 1) * ${stepSec} + random() * ${stepSec}) as at,
                      case when random() < 0.01 and ${int(restrictedId)} > 0 then ${int(restrictedId)} else ($3::bigint[])[1 + floor(power(random(), 1.5) * ${int(openCats.length)})::int] end as cat,
                      floor(random() * ${int(openings.length)})::int as oi, floor(random() * ${int(titles.length)})::int as ti,
                      1 + floor(${int(N)} * power(random(), 2))::int as ai
                 from generate_series($1::bigint, $2::bigint) as g
             ) x
             join tmp_members m on m.idx = x.ai
             join tmp_openings o on o.idx = x.oi
             join tmp_titles t on t.idx = x.ti`,
          [from, to, openCats],
        ),
      );
      await q(`update topics set author_id = ($1::bigint[])[1 + (id % ${int(staff.length)})::int], last_poster_id = ($1::bigint[])[1 + (id % ${int(staff.length)})::int] where category_id = $2`, [staff, restrictedId]);
      await q(`select setval(pg_get_serial_sequence('topics', 'id'), (select max(id) from topics))`);

      // ---- replies: how many each topic gets (long tail, mean R/T), then in creation order ------
      await client.query(
        `create temporary table tmp_plan as
           select t.id as topic_id, t.created_at, row_number() over (order by t.id)::int as idx,
                  floor(-ln(1 - random() * 0.999999) * ${(R / T).toFixed(4)} * case when random() < 0.05 then 4 else 0.85 end)::int as n
             from topics t`,
      );
      const planned = Number((await one<{ s: string }>('select sum(n) as s from tmp_plan')).s);
      await q(`update tmp_plan set n = round(n * ${R}::numeric / ${Math.max(planned, 1)})::int`);
      // Top up (or trim) the last few topics so the total is exactly R.
      const diff = R - Number((await one<{ s: string }>('select sum(n) as s from tmp_plan')).s);
      if (diff !== 0) await q(`update tmp_plan set n = greatest(n + ${diff > 0 ? 1 : -1}, 0) where idx in (select idx from tmp_plan where n > 0 or ${diff > 0} order by idx desc limit ${Math.abs(diff)})`);
      // A benchmark topic that surely has 60 replies.
      await q(`update tmp_plan set n = 60 where idx = (select idx from tmp_plan order by idx desc offset 200 limit 1)`);
      await client.query('create index on tmp_plan (idx)');
      total = Number((await one<{ s: string }>('select sum(n) as s from tmp_plan')).s);
      await progress.chunked(
        'replies',
        T,
        Math.max(500, Math.floor(T / 40)),
        (from, to) =>
          q(
            `insert into topic_replies (topic_id, author_id, body, body_html, created_at)
             select x.topic_id, m.id, r.body, r.body_html, x.at
               from (
                 select p.topic_id, k, 1 + floor(${int(N)} * power(random(), 1.5))::int as ai,
                        floor(random() * ${int(replies.length)})::int as ri,
                        p.created_at + (k - 1 + random() * 0.9) * least(interval '6 hours', (now() - p.created_at) / (p.n + 1)) as at
                   from tmp_plan p cross join lateral generate_series(1, p.n) as k
                  where p.idx between $1 and $2
               ) x
               join tmp_members m on m.idx = x.ai
               join tmp_replies r on r.idx = x.ri
              order by x.topic_id, x.k`,
            [from, to],
          ),
        'topics',
      );

      // ---- likes on replies (duplicates skipped) ------------------------------------------------
      const maxReply = Number((await one<{ m: string }>('select coalesce(max(id), 0) as m from topic_replies')).m);
      const minReply = Number((await one<{ m: string }>('select coalesce(min(id), 0) as m from topic_replies')).m);
      if (opts.replyLikes > 0 && maxReply > 0) {
        await progress.chunked('reply likes', opts.replyLikes, 100_000, (from, to) =>
          q(
            `insert into topic_reply_likes (reply_id, user_id, created_at)
             select r.id, m.id, r.created_at + x.d * interval '2 days'
               from (select ${int(minReply)} + floor(power(random(), 0.5) * ${int(maxReply - minReply + 1)})::bigint as rid, 1 + floor(random() * ${int(N)})::int as ui, random() as d
                       from generate_series($1::bigint, $2::bigint) g) x
               join topic_replies r on r.id = x.rid
               join tmp_members m on m.idx = x.ui
             on conflict do nothing`,
            [from, to],
          ),
          'draws', // each of the --reply-likes draws once: a duplicate is skipped, not drawn again
        );
      }

      console.log('Counters, tags, follows, read positions, notifications…');
      await progress.single('like counts', () => q(`update topic_replies r set like_count = l.n from (select reply_id, count(*) as n from topic_reply_likes group by reply_id) l where l.reply_id = r.id`));
      await progress.single('topic counters', () =>
        q(`update topics t set reply_count = a.n, last_reply_id = a.last_id, last_poster_id = l.author_id, last_activity_at = l.created_at
             from (select topic_id, count(*) as n, max(id) as last_id from topic_replies group by topic_id) a
             join topic_replies l on l.id = a.last_id
            where t.id = a.topic_id`),
      );
      await progress.single('pinned, locked', async () => {
        const pinned = await q(`update topics set pinned = true where id in (select distinct on (category_id) id from topics order by category_id, last_activity_at desc offset 0) or id in (select id from topics where category_id = $1 order by id desc limit 3)`, [restrictedId]);
        const locked = await q(`update topics set locked_at = last_activity_at + interval '1 day', lock_reason = ($1::text[])[1 + (id % 4)::int] where id % 97 = 0 and last_activity_at < now() - interval '2 days'`, [LOCK_REASONS]);
        return pinned + locked;
      });
      await progress.single('topic_tags', () =>
        q(`insert into topic_tags (topic_id, tag, created_at)
           select distinct s.topic_id, s.tag, t.created_at from (
             select t.id as topic_id, unnest(o.tags) as tag from topics t join tmp_openings o on o.body = t.body
             union all
             select r.topic_id, unnest(b.tags) from topic_replies r join tmp_replies b on b.body = r.body where cardinality(b.tags) > 0
           ) s join topics t on t.id = s.topic_id`),
      );
      await progress.single('topic follows', async () => {
        const authors = await q(`insert into follows (follower_id, topic_id, created_at) select author_id, id, created_at from topics on conflict do nothing`);
        const cats2 = await q(
          `insert into follows (follower_id, category_id, created_at)
           select m.id, c.id, now() - random() * interval '300 days' from tmp_members m cross join forum_categories c where random() < 0.15 on conflict do nothing`,
        );
        return authors + cats2;
      });
      await progress.single('topic_reads', () =>
        q(`insert into topic_reads (user_id, topic_id, last_read_reply_id, updated_at)
           select m.id, t.id,
                  -- A topic's replies have consecutive ids (inserted together, in order): k back from the last is one of them.
                  case when t.reply_count = 0 then 0 when t.r < 0.7 then t.last_reply_id else t.last_reply_id - floor(t.r * least(t.reply_count, 10))::bigint end,
                  t.last_activity_at
             from (select id, last_reply_id, reply_count, last_activity_at, random() as r, 1 + floor(${int(N)} * random())::int as ui from topics order by random() limit ${int(Math.min(T, 20_000))}) t
             join tmp_members m on m.idx = t.ui
           on conflict do nothing`),
      );
      await progress.single('notifications', async () => {
        const mentions = await q(
          `insert into notifications (user_id, kind, actor_id, topic_id, reply_id, created_at, read_at)
           select m.uid, 'mention_topic', r.author_id, r.topic_id, r.id, r.created_at, case when random() < 0.8 then r.created_at + interval '1 hour' end
             from topic_replies r join tmp_replies b on b.body = r.body cross join unnest(b.mention_ids) as m(uid)
            where cardinality(b.mention_ids) > 0 and m.uid <> r.author_id`,
        );
        const toAuthors = await q(
          `insert into notifications (user_id, kind, actor_id, topic_id, reply_id, created_at, read_at)
           select t.author_id, 'reply_topic', r.author_id, r.topic_id, r.id, r.created_at, case when random() < 0.8 then r.created_at + interval '1 hour' end
             from topic_replies r join topics t on t.id = r.topic_id
            where r.author_id <> t.author_id and r.created_at > now() - interval '60 days'`,
        );
        return mentions + toAuthors;
      });
    } finally {
      await rebuild();
    }
    if (triggersOff) await client.query('set session_replication_role = origin');

    const checks: [string, string][] = [
      ['topics → categories', 'select count(*) from topics t left join forum_categories c on c.id = t.category_id where c.id is null'],
      ['topics → authors', 'select count(*) from topics t left join users u on u.id = t.author_id where u.id is null'],
      ['replies → topics', 'select count(*) from topic_replies r left join topics t on t.id = r.topic_id where t.id is null'],
      ['replies → authors', 'select count(*) from topic_replies r left join users u on u.id = r.author_id where u.id is null'],
      ['likes → replies', 'select count(*) from topic_reply_likes l left join topic_replies r on r.id = l.reply_id where r.id is null'],
      ['reply counters', `select count(*) from topics t left join (select topic_id, count(*) as n, max(id) as last_id from topic_replies group by topic_id) a on a.topic_id = t.id
                           where t.reply_count <> coalesce(a.n, 0) or t.last_reply_id is distinct from a.last_id`],
      ['like counters', `select count(*) from topic_replies r left join (select reply_id, count(*) as n from topic_reply_likes group by reply_id) l on l.reply_id = r.id
                          where r.like_count <> coalesce(l.n, 0)`],
      ['replies in time order', `select count(*) from (select created_at < lag(created_at) over (partition by topic_id order by id) as bad from topic_replies) x where bad`],
      ['read positions in their topic', `select count(*) from topic_reads d left join topic_replies r on r.id = d.last_read_reply_id where d.last_read_reply_id <> 0 and (r.id is null or r.topic_id <> d.topic_id)`],
      [`total replies = ${total}`, `select abs(count(*) - ${int(total)}) from topic_replies`],
    ];
    await runChecks(client, checks);

    // ---- home feed inboxes: topics of followed categories ------------------------------------
    // The seed's --feed-keep (else the application's default) and viewer (else the first member).
    const seedManifest = await fs
      .readFile(SEED_MANIFEST_PATH, 'utf8')
      .then((t) => JSON.parse(t) as { options?: { feedKeep?: number }; viewer?: { id: number; handle: string } })
      .catch(() => undefined);
    const feedKeep = seedManifest?.options?.feedKeep ?? 500;
    await progress.single('feed topic items', () =>
      q(`insert into feed_items (member_id, topic_id, feed_at, reasons)
         select f.follower_id, t.id, t.created_at, 16 from follows f
         cross join lateral (select id, created_at from topics where category_id = f.category_id order by created_at desc, id desc limit 50) t
         where f.category_id is not null
         on conflict (member_id, topic_id) where topic_id is not null do nothing`),
    );
    await progress.single('feed trim', () =>
      q(`delete from feed_items f using (
           select member_id, item_key from (
             select member_id, item_key, row_number() over (partition by member_id order by feed_at desc, item_key desc) as rn
               from feed_items where member_id in (select follower_id from follows where category_id is not null)
           ) ranked where rn > ${int(feedKeep)}
         ) cut
         where f.member_id = cut.member_id and f.item_key = cut.item_key`),
    );

    console.log('VACUUM ANALYZE of the forum tables, follows, notifications and feed items…');
    t0 = performance.now();
    for (const table of ['forum_categories', ...FORUM_TABLES, 'follows', 'notifications', 'feed_items']) await client.query(`vacuum (analyze) ${table}`);
    progress.record('vacuum analyze', 0, performance.now() - t0);

    // ---- manifest -----------------------------------------------------------------------------
    const counts: Record<string, number> = {};
    for (const table of ['forum_categories', ...FORUM_TABLES]) counts[table] = Number((await one<{ n: string }>(`select count(*) as n from ${table}`)).n);
    counts.topic_follows = Number((await one<{ n: string }>('select count(*) as n from follows where topic_id is not null')).n);
    counts.category_follows = Number((await one<{ n: string }>('select count(*) as n from follows where category_id is not null')).n);
    counts.topic_notifications = Number((await one<{ n: string }>('select count(*) as n from notifications where topic_id is not null')).n);
    counts.feed_topic_items = Number((await one<{ n: string }>('select count(*) as n from feed_items where topic_id is not null')).n);
    const topic = await one<{ id: number; title: string; reply_count: number; category_id: number } | undefined>(
      `select id::int as id, title, reply_count, category_id::int as category_id from topics where reply_count between 40 and 100 and locked_at is null order by id desc limit 1`,
    );
    if (!topic) throw new Error('no topic with 40–100 replies: seed more replies');
    const category = await one<{ id: number; name: string; topics: string }>(
      `select c.id::int as id, c.name, count(t.id) as topics from forum_categories c join topics t on t.category_id = c.id group by c.id order by count(t.id) desc limit 1`,
    );
    const durationS = (performance.now() - progress.started) / 1000;
    const manifest = {
      seededAt: startedAt.toISOString(),
      database: safeUrl,
      seed: opts.seed,
      options: opts,
      durationS: Number(durationS.toFixed(1)),
      counts,
      members: N,
      topic: { id: topic.id, title: topic.title, replies: topic.reply_count, categoryId: topic.category_id },
      category: { id: category.id, name: category.name, topics: Number(category.topics) },
      viewer: seedManifest?.viewer ?? { id: members[0]!.id, handle: members[0]!.handle },
      steps: progress.manifestSteps(),
    };
    await writeManifest(FORUM_MANIFEST_PATH, manifest);
    console.log(`\nForum added in ${secs(durationS * 1000)}:`);
    for (const [table, n] of Object.entries(counts)) console.log(`  ${table.padEnd(20)} ${fmt(n).padStart(10)}`);
    console.log(`Benchmark topic: /t/${topic.id} (${topic.reply_count} replies); largest category: /c/${category.id} ${category.name} (${category.topics} topics)`);
    console.log(`Wrote ${relative(FORUM_MANIFEST_PATH)}`);
  } finally {
    await client.end();
  }
}

try {
  await main();
} catch (err) {
  console.error(`\nSeeding the forum failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
