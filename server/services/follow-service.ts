// Following a member. Both actions are idempotent: following twice (two tabs, a double tap on a
// slow phone, two requests racing) leaves one row and counts it once, because the counters move
// only when the insert or delete really changed a row, in the same transaction.
import { NotFoundError } from '../errors.ts';
import { adjustFollowCounts, deleteFollow, insertFollow } from '../repos/follows.ts';
import { findProfileByHandle } from '../repos/profiles.ts';
import { blockedEitherWay } from '../repos/blocks.ts';
import { canFollow, canViewProfile } from '../policies/index.ts';
import type { CachingDeps, Viewer } from './context.ts';
import { cacheTags } from './content-cache.ts';

export interface FollowResult {
  /** the followed member's handle as they spell it */
  handle: string;
  /** false when nothing had to change */
  changed: boolean;
}

export function createFollowService({ db, cache }: CachingDeps) {
  async function target(viewer: Viewer | null, handle: string) {
    if (!/^[A-Za-z0-9_]{1,30}$/.test(handle)) throw new NotFoundError('profile');
    const owner = await findProfileByHandle(db, handle);
    if (!owner || !canViewProfile(viewer, owner) || !canFollow(viewer, owner)) throw new NotFoundError('profile');
    // Nobody follows across a block (unfollowing stays possible).
    if (await blockedEitherWay(db, viewer.id, owner.id)) throw new NotFoundError('profile');
    return { viewer, owner };
  }

  return {
    async follow(viewer: Viewer | null, handle: string): Promise<FollowResult> {
      const { viewer: follower, owner } = await target(viewer, handle);
      const changed = await db.transaction().execute(async (trx) => {
        if (!(await insertFollow(trx, follower.id, owner.id))) return false;
        await adjustFollowCounts(trx, follower.id, owner.id, 1);
        return true;
      });
      if (changed) cache.invalidate([cacheTags.profile(follower.id), cacheTags.profile(owner.id)]);
      return { handle: owner.handle, changed };
    },

    async unfollow(viewer: Viewer | null, handle: string): Promise<FollowResult> {
      const { viewer: follower, owner } = await target(viewer, handle);
      const changed = await db.transaction().execute(async (trx) => {
        if (!(await deleteFollow(trx, follower.id, owner.id))) return false;
        await adjustFollowCounts(trx, follower.id, owner.id, -1);
        return true;
      });
      if (changed) cache.invalidate([cacheTags.profile(follower.id), cacheTags.profile(owner.id)]);
      return { handle: owner.handle, changed };
    },
  };
}
