// Whether a new post waits for a moderator before anyone but its author sees it. Today: members
// under a "limit" sanction. New-member rules and watched words with the "hold" action add their
// conditions here, so every kind of writing that can be held asks one function.
import type { Executor } from '../../db/executor.ts';
import type { Post } from '../../db/schema.ts';
import { hasActiveSanction, holdPost, openCase } from '../../repos/moderation.ts';

/**
 * Holds the post (inside the caller's transaction) and opens its review case when the author is
 * limited or the screening asked for it (`force`: new-member rules, watched words); answers
 * whether it did.
 */
export async function holdIfLimited(trx: Executor, post: Post, ctx: { authorHandle: string; now: Date; force?: boolean }): Promise<boolean> {
  if (!ctx.force && !(await hasActiveSanction(trx, post.author_id, 'limit', ctx.now))) return false;
  await holdPost(trx, post.id, ctx.now);
  await openCase(trx, {
    targetKind: 'post',
    targetId: post.id,
    origin: 'held',
    subjectUserId: post.author_id,
    snapshot: { kind: 'post', authorId: post.author_id, authorHandle: ctx.authorHandle, body: post.body, url: `/posts/${post.id}` },
  });
  return true;
}
