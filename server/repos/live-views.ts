// What live delivery reads beyond the rows an event names (those come from their own repos, e.g.
// findCommentRow in comments.ts): the facts of many viewers at once (one event may go to a
// thousand subscribers: their relations come in a few statements, not one each), and which
// sessions still exist.
import { sql } from 'kysely';
import type { Executor } from '../db/executor.ts';
import { emptyViewerFacts, type ViewerFacts, type ViewerFactsQuery } from './viewer-facts.ts';

/** findViewerFacts for many viewers (followedBy is left empty: live views do not use it), blocks and mutes included. */
export async function findViewersFacts(db: Executor, viewerIds: readonly number[], q: ViewerFactsQuery): Promise<Map<number, ViewerFacts>> {
  const viewers = [...new Set(viewerIds)];
  const out = new Map(viewers.map((v) => [v, emptyViewerFacts()]));
  if (!viewers.length) return out;
  const members = [...new Set(q.memberIds)];
  const posts = [...new Set(q.postIds)];
  const comments = [...new Set(q.commentIds ?? [])];
  const { rows } = await sql<{ what: string; viewer: number; target: number }>`
    select 'f' as what, follower_id as viewer, followee_id as target from follows
      where follower_id = any(${viewers}::int8[]) and followee_id = any(${members}::int8[])
    union all
    select 'm', user_id, post_id from post_mentions where user_id = any(${viewers}::int8[]) and post_id = any(${posts}::int8[])
    union all
    select 'p', user_id, post_id from post_likes where post_id = any(${posts}::int8[]) and user_id = any(${viewers}::int8[])
    union all
    select 'c', user_id, comment_id from comment_likes where comment_id = any(${comments}::int8[]) and user_id = any(${viewers}::int8[])
    union all
    select case when kind = 'block' then 'b' else 'u' end, blocker_id, blocked_id from member_blocks
      where blocker_id = any(${viewers}::int8[]) and blocked_id = any(${members}::int8[])
    union all
    select 'B', blocked_id, blocker_id from member_blocks
      where blocked_id = any(${viewers}::int8[]) and kind = 'block' and blocker_id = any(${members}::int8[])
  `.execute(db);
  for (const r of rows) {
    const f = out.get(Number(r.viewer));
    if (!f) continue;
    const target = Number(r.target);
    if (r.what === 'f') f.follows.add(target);
    else if (r.what === 'm') f.mentionedIn.add(target);
    else if (r.what === 'p') f.likedPosts.add(target);
    else if (r.what === 'c') f.likedComments.add(target);
    else {
      // blocks and mutes, as findViewerFacts reads them
      (r.what === 'b' ? f.blocking : r.what === 'u' ? f.muting : f.blockedBy).add(target);
      f.hiddenMembers.add(target);
    }
  }
  return out;
}
