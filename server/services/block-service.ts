// Blocks and mutes, for every member. A block separates two members both ways: neither sees the
// other's content, comments or notifications, and they cannot follow, mention or comment on each
// other (existing follows end). A mute only takes the muted member's writing out of the muter's
// sight. What is shown is decided where everything else is (viewer facts → isHiddenFor and
// visiblePostsFilter); this service only records the choice.
import { NotFoundError } from '../errors.ts';
import type { BlockKind } from '../db/schema.ts';
import { deleteBlock, listBlocksBy, upsertBlock } from '../repos/blocks.ts';
import { adjustFollowCounts, deleteFollow } from '../repos/follows.ts';
import { deleteFollowRequest } from '../repos/followers.ts';
import { withdrawMember } from '../repos/feed.ts';
import type { Executor } from '../db/executor.ts';
import { findUserByHandle } from '../repos/users.ts';
import { isActive } from '../policies/index.ts';
import type { CachingDeps, Viewer } from './context.ts';
import { cacheTags } from './content-cache.ts';

export function createBlockService({ db, cache }: CachingDeps) {
  async function other(viewer: Viewer | null, handle: string) {
    if (!isActive(viewer)) throw new NotFoundError('member');
    const user = /^[A-Za-z0-9_]{1,30}$/.test(handle) ? await findUserByHandle(db, handle) : undefined;
    if (!user || user.status !== 'active' || user.id === viewer.id) throw new NotFoundError('member');
    return { me: viewer, user };
  }

  /** A block ends the follow (its counts and feed items) and any pending request, in the block's transaction. */
  async function endFollow(trx: Executor, followerId: number, followeeId: number): Promise<void> {
    await deleteFollowRequest(trx, followerId, followeeId);
    if (!(await deleteFollow(trx, followerId, followeeId))) return;
    await adjustFollowCounts(trx, [followerId], followeeId, -1);
    await withdrawMember(trx, followerId, followeeId);
  }

  return {
    async set(viewer: Viewer | null, handle: string, kind: BlockKind): Promise<{ handle: string }> {
      const { me, user } = await other(viewer, handle);
      await db.transaction().execute(async (trx) => {
        await upsertBlock(trx, me.id, user.id, kind);
        if (kind === 'block') {
          await endFollow(trx, me.id, user.id);
          await endFollow(trx, user.id, me.id);
        }
      });
      cache.invalidate([cacheTags.profile(me.id), cacheTags.profile(user.id), cacheTags.relations(me.id), cacheTags.relations(user.id)]);
      return { handle: user.handle };
    },

    async remove(viewer: Viewer | null, handle: string): Promise<{ handle: string }> {
      const { me, user } = await other(viewer, handle);
      await deleteBlock(db, me.id, user.id);
      cache.invalidate([cacheTags.profile(me.id), cacheTags.profile(user.id), cacheTags.relations(me.id), cacheTags.relations(user.id)]);
      return { handle: user.handle };
    },

    async list(viewer: Viewer | null) {
      if (!isActive(viewer)) throw new NotFoundError('blocks');
      return listBlocksBy(db, viewer.id);
    },
  };
}
