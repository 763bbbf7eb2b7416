import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Executor } from '../db/executor.ts';
import type { Database, NotificationKind } from '../db/schema.ts';
import { olderThan, type Cursor } from '../db/pagination.ts';
import { visiblePostsFilter, type ViewerColumn } from './posts.ts';
import { recordLiveEvents } from './live-events.ts';
import { cutOff } from './blocks.ts';

export interface NewNotification {
  userId: number;
  kind: NotificationKind;
  /** null: the system (moderation's automatic hiding) */
  actorId: number | null;
  postId?: number | null;
  commentId?: number | null;
  topicId?: number | null;
  replyId?: number | null;
  moderationCaseId?: number | null;
  /** likes: one unread notification per item, its actor and count updated ("Ana and 3 others") */
  grouped?: boolean;
}

/**
 * Creates notifications inside the writer's transaction: kinds a member turned off are not
 * created, grouped kinds update the unread one about the same item, and each one is announced
 * on the member's live channel (`user:<id>`) at commit.
 */
export async function insertNotifications(db: Executor, rows: NewNotification[]): Promise<void> {
  if (!rows.length) return;
  const muted = await db
    .selectFrom('notification_mutes')
    .select(['user_id', 'kind'])
    .where('user_id', 'in', [...new Set(rows.map((r) => r.userId))])
    .execute();
  const off = new Set(muted.map((m) => `${m.user_id}:${m.kind}`));
  const wanted = rows.filter((r) => !off.has(`${r.userId}:${r.kind}`));
  const events: { channel: string; kind: string; subjectId: number }[] = [];
  const plain = [];
  for (const r of wanted) {
    if (r.grouped) {
      const updated = await db
        .updateTable('notifications')
        .set({ actor_id: r.actorId, actor_count: sql`actor_count + 1`, created_at: sql`now()` } as never)
        .where('user_id', '=', r.userId)
        .where('kind', '=', r.kind)
        .where('read_at', 'is', null)
        .where(sql<boolean>`post_id is not distinct from ${r.postId ?? null}::int8`)
        .where(sql<boolean>`comment_id is not distinct from ${r.commentId ?? null}::int8`)
        .returning('id')
        .executeTakeFirst();
      if (updated) {
        events.push({ channel: `user:${r.userId}`, kind: 'notification', subjectId: updated.id });
        continue;
      }
    }
    plain.push(r);
  }
  if (plain.length) {
    const inserted = await db
      .insertInto('notifications')
      .values(plain.map((r) => ({ user_id: r.userId, kind: r.kind, actor_id: r.actorId, post_id: r.postId ?? null, comment_id: r.commentId ?? null, topic_id: r.topicId ?? null, reply_id: r.replyId ?? null, moderation_case_id: r.moderationCaseId ?? null })))
      .returning(['id', 'user_id'])
      .execute();
    for (const n of inserted) events.push({ channel: `user:${n.user_id}`, kind: 'notification', subjectId: n.id });
  }
  await recordLiveEvents(db, events);
}

/**
 * A notification about a post (or a comment under it) shows only while the member may see that
 * post; one about something else (a new follower, say) always shows. Features that notify about
 * other things add their subject's column and their own visibility condition here.
 */
function stillVisible(userId: number | ViewerColumn) {
  const postVisible = visiblePostsFilter(userId);
  return (eb: ExpressionBuilder<Database & { n: Database['notifications']; p: Database['posts'] }, 'n' | 'p'>): Expression<SqlBool> =>
    eb.and([
      eb.or([eb('n.post_id', 'is', null), postVisible(eb as never)]),
      // Nothing from across a block (either way) or from a member the recipient muted.
      eb.or([
        eb('n.actor_id', 'is', null),
        sql<SqlBool>`not ${cutOff(sql.ref('n.user_id'), sql.ref('n.actor_id'))}`,
      ]),
      // A comment hidden by moderation takes its notifications with it (isHiddenFor: only its author sees it).
      eb.or([
        eb('n.comment_id', 'is', null),
        eb.not(eb.exists(eb.selectFrom('comments as hc').select(sql`1`.as('one')).whereRef('hc.id', '=', 'n.comment_id').where('hc.hidden_at', 'is not', null))),
      ]),
      // So do a topic or a reply hidden by moderation.
      eb.or([
        eb('n.topic_id', 'is', null),
        eb.not(eb.exists(eb.selectFrom('topics as ht').select(sql`1`.as('one')).whereRef('ht.id', '=', 'n.topic_id').where('ht.hidden_at', 'is not', null))),
      ]),
      eb.or([
        eb('n.reply_id', 'is', null),
        eb.not(eb.exists(eb.selectFrom('topic_replies as hr').select(sql`1`.as('one')).whereRef('hr.id', '=', 'n.reply_id').where('hr.hidden_at', 'is not', null))),
      ]),
    ]);
}

function notificationsOf(db: Executor, userId: number) {
  return db
    .selectFrom('notifications as n')
    .leftJoin('posts as p', 'p.id', 'n.post_id')
    .leftJoin('users as a', 'a.id', 'n.actor_id')
    .select(['n.id', 'n.kind', 'n.created_at', 'n.read_at', 'n.post_id', 'n.comment_id', 'n.actor_count', 'n.topic_id', 'n.reply_id', 'n.moderation_case_id', 'a.handle as actor_handle', 'a.display_name as actor_name'])
    .where('n.user_id', '=', userId)
    .where(stillVisible(userId));
}

export type NotificationRow = Awaited<ReturnType<typeof listNotifications>>[number];

/** One notification of the member, if it is about something they may still see (live pushes). */
export async function findNotification(db: Executor, userId: number, id: number) {
  return notificationsOf(db, userId).where('n.id', '=', id).executeTakeFirst();
}

/** The member's notifications, newest first, only about what they may still see. */
export async function listNotifications(db: Executor, userId: number, limit: number, before?: Cursor) {
  let q = notificationsOf(db, userId);
  if (before) q = q.where(olderThan('n.created_at', 'n.id', before));
  return q.orderBy('n.created_at', 'desc').orderBy('n.id', 'desc').limit(limit).execute();
}

/**
 * The badge counts no further than this: past it the header says "99+". Every signed-in page
 * counts, and each unread notification is checked against what the member may still see, so an
 * uncapped count would cost a page view more the longer a member stays away.
 */
export const UNREAD_CAP = 99;

/** Unread notifications about what the member may still see (the badge agrees with the list), up to UNREAD_CAP + 1. */
function unreadCountQuery(db: Executor, user: number | ViewerColumn) {
  const userId = (typeof user === 'number' ? user : sql.ref(user.column)) as number;
  return db
    .selectFrom((eb) =>
      eb
        .selectFrom('notifications as n')
        .leftJoin('posts as p', 'p.id', 'n.post_id')
        .select(sql<number>`1`.as('one'))
        .where('n.user_id', '=', userId)
        .where('n.read_at', 'is', null)
        .where(stillVisible(user))
        .limit(UNREAD_CAP + 1)
        .as('unread'),
    )
    .select((eb) => eb.fn.countAll<number>().as('n'));
}

export async function countUnread(db: Executor, userId: number): Promise<number> {
  return Number((await unreadCountQuery(db, userId).executeTakeFirstOrThrow()).n);
}

/**
 * What the unread count depends on besides the member's own relations: the posts its unread
 * notifications are about (their visibility, and hidden comments under them), and whether any is
 * about the forum. Up to `max` posts; `null` when there are more.
 */
export async function unreadSubjects(db: Executor, userId: number, max: number): Promise<{ posts: number[]; forum: boolean } | null> {
  const { rows } = await sql<{ posts: unknown; forum: boolean }>`
    select
      array(select distinct n.post_id from notifications n where n.user_id = ${userId} and n.read_at is null and n.post_id is not null limit ${max + 1}) as posts,
      exists (select 1 from notifications n where n.user_id = ${userId} and n.read_at is null and (n.topic_id is not null or n.reply_id is not null)) as forum
  `.execute(db);
  const r = rows[0]!;
  const posts = (Array.isArray(r.posts) ? r.posts : []).map(Number);
  return posts.length > max ? null : { posts, forum: !!r.forum };
}

export async function markAllRead(db: Executor, userId: number, now: Date): Promise<void> {
  await db.updateTable('notifications').set({ read_at: now }).where('user_id', '=', userId).where('read_at', 'is', null).execute();
  await recordLiveEvents(db, [{ channel: `user:${userId}`, kind: 'read', subjectId: userId }]);
}

export async function listMutedKinds(db: Executor, userId: number): Promise<string[]> {
  return (await db.selectFrom('notification_mutes').select('kind').where('user_id', '=', userId).execute()).map((r) => r.kind);
}

export async function replaceMutedKinds(db: Executor, userId: number, kinds: readonly string[]): Promise<void> {
  await db.deleteFrom('notification_mutes').where('user_id', '=', userId).execute();
  if (kinds.length) await db.insertInto('notification_mutes').values(kinds.map((kind) => ({ user_id: userId, kind }))).execute();
}
