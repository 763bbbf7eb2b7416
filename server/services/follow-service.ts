// Following members and hashtags, follow requests, followers lists. Rules that are not obvious:
// - Every action is idempotent: following twice (two tabs, a double tap on a slow phone, two
//   requests racing) leaves one row and counts it once, because the counters move only when the
//   insert or delete really changed a row, in the same transaction.
// - A member who approves their followers gets a follow request instead of a follow: a request is
//   not a follow (followers-only posts stay hidden, counters do not move) until they accept it.
//   "Unfollow" on a pending request withdraws it.
// - A follow brings the followed member's recent posts into the follower's feed (feed repo); an
//   unfollow or a removed follower takes them out again, except items another reason keeps.
// - Profile counts are cached (content cache): both members' profile tags are invalidated after
//   each commit that moved them.
import { NotFoundError } from '../errors.ts';
import { adjustFollowCounts, deleteFollow, insertFollow, isFollowing } from '../repos/follows.ts';
import {
  acceptFollowRequests,
  deleteFollowRequest,
  deleteHashtagFollow,
  insertFollowRequest,
  insertHashtagFollow,
  listFollowers,
  listFollowing,
  listFollowRequests,
  setApproveFollowers,
  type PersonRow,
} from '../repos/followers.ts';
import { backfillHashtag, backfillMember, withdrawHashtag, withdrawMember } from '../repos/feed.ts';
import { trimQuietly } from './feed-service.ts';
import { insertNotifications } from '../repos/notifications.ts';
import { findProfileByHandle, type ProfileRow } from '../repos/profiles.ts';
import { canFollow, canViewProfile, isActive } from '../policies/index.ts';
import { UnauthenticatedError } from '../errors.ts';
import { decodeCursor, toPage, type Page } from '../db/pagination.ts';
import type { Executor } from '../db/executor.ts';
import { blockedEitherWay } from '../repos/blocks.ts';
import type { CachingDeps, Viewer } from './context.ts';
import { cacheTags } from './content-cache.ts';
import { normaliseTag } from './markdown.ts';

export type FollowState = 'following' | 'requested' | 'none';

export interface FollowResult {
  /** the followed member's handle as they spell it */
  handle: string;
  /** false when nothing had to change */
  changed: boolean;
  /** where things stand after the action */
  state: FollowState;
  /** an unfollow took back a pending request (there was no follow to undo) */
  withdrawn?: boolean;
}

const LIST_PAGE = 30;
const TAG_PATTERN = /^\p{L}[\p{L}\p{N}_]{0,49}$/u;

export function createFollowService({ db, cache, config }: CachingDeps) {
  async function member(handle: string): Promise<ProfileRow> {
    if (!/^[A-Za-z0-9_]{1,30}$/.test(handle)) throw new NotFoundError('profile');
    const owner = await findProfileByHandle(db, handle);
    if (!owner || !canViewProfile(null, owner)) throw new NotFoundError('profile');
    return owner;
  }

  async function target(viewer: Viewer | null, handle: string) {
    const owner = await member(handle);
    if (!canFollow(viewer, owner)) throw new NotFoundError('profile');
    return { viewer, owner };
  }

  /** What follows new follows rows, in their transaction: counts, the followers' feeds, notifications. */
  async function welcome(trx: Executor, followerIds: readonly number[], followeeId: number): Promise<void> {
    if (!followerIds.length) return;
    await adjustFollowCounts(trx, followerIds, followeeId, 1);
    await backfillMember(trx, followerIds, followeeId);
    await insertNotifications(trx, followerIds.map((id) => ({ userId: followeeId, kind: 'new_follower' as const, actorId: id })));
  }

  /** Creates the follow (counts, feed, notification) in a transaction; false when it existed. */
  async function startFollowing(trx: Executor, followerId: number, followeeId: number): Promise<boolean> {
    if (!(await insertFollow(trx, followerId, followeeId))) return false;
    await welcome(trx, [followerId], followeeId);
    return true;
  }

  async function stopFollowing(trx: Executor, followerId: number, followeeId: number): Promise<boolean> {
    if (!(await deleteFollow(trx, followerId, followeeId))) return false;
    await adjustFollowCounts(trx, [followerId], followeeId, -1);
    await withdrawMember(trx, followerId, followeeId);
    return true;
  }

  function afterCommit(changed: boolean, a: number, b: number) {
    if (changed) cache.invalidate([cacheTags.profile(a), cacheTags.profile(b), cacheTags.relations(a), cacheTags.relations(b)]);
  }

  const page = (rows: PersonRow[]): Page<PersonRow> => toPage(rows, LIST_PAGE);

  return {
    async follow(viewer: Viewer | null, handle: string): Promise<FollowResult> {
      const { viewer: follower, owner } = await target(viewer, handle);
      // Nobody follows across a block, either way (unfollowing stays possible).
      if (await blockedEitherWay(db, follower.id, owner.id)) throw new NotFoundError('profile');
      const outcome = await db.transaction().execute(async (trx): Promise<{ changed: boolean; state: FollowState }> => {
        if (owner.approve_followers) {
          // A member already followed before they turned approval on stays followed: no request.
          if (await isFollowing(trx, follower.id, owner.id)) return { changed: false, state: 'following' };
          const asked = await insertFollowRequest(trx, follower.id, owner.id);
          if (asked) await insertNotifications(trx, [{ userId: owner.id, kind: 'follow_request', actorId: follower.id }]);
          return { changed: asked, state: 'requested' };
        }
        return { changed: await startFollowing(trx, follower.id, owner.id), state: 'following' };
      });
      if (outcome.changed && outcome.state === 'following') {
        afterCommit(true, follower.id, owner.id);
        await trimQuietly(db, [follower.id], config.feedKeep);
      }
      return { handle: owner.handle, ...outcome };
    },

    /** Stops following, or withdraws a pending request. */
    async unfollow(viewer: Viewer | null, handle: string): Promise<FollowResult> {
      const { viewer: follower, owner } = await target(viewer, handle);
      const { unfollowed, withdrawn } = await db.transaction().execute(async (trx) => ({
        withdrawn: await deleteFollowRequest(trx, follower.id, owner.id),
        unfollowed: await stopFollowing(trx, follower.id, owner.id),
      }));
      afterCommit(unfollowed, follower.id, owner.id);
      return { handle: owner.handle, changed: unfollowed || withdrawn, state: 'none', withdrawn: withdrawn && !unfollowed };
    },

    /** The viewer stops `handle` from following them. */
    async removeFollower(viewer: Viewer | null, handle: string): Promise<FollowResult> {
      if (!isActive(viewer)) throw new UnauthenticatedError();
      const follower = await member(handle);
      const changed = await db.transaction().execute((trx) => stopFollowing(trx, follower.id, viewer.id));
      afterCommit(changed, follower.id, viewer.id);
      return { handle: follower.handle, changed, state: 'none' };
    },

    async requests(viewer: Viewer | null, cursor: string | undefined): Promise<{ approve: boolean; page: Page<PersonRow> }> {
      if (!isActive(viewer)) throw new UnauthenticatedError();
      const me = await member(viewer.handle);
      return { approve: me.approve_followers, page: page(await listFollowRequests(db, viewer.id, LIST_PAGE + 1, decodeCursor(cursor))) };
    },

    /** Accepts (or refuses) the request `handle` sent the viewer; "not found" when there is none. */
    async answerRequest(viewer: Viewer | null, handle: string, accept: boolean): Promise<{ handle: string }> {
      if (!isActive(viewer)) throw new UnauthenticatedError();
      const requester = await member(handle);
      const changed = await db.transaction().execute(async (trx) => {
        if (!(await deleteFollowRequest(trx, requester.id, viewer.id))) throw new NotFoundError('followRequest');
        return accept ? startFollowing(trx, requester.id, viewer.id) : false;
      });
      afterCommit(changed, requester.id, viewer.id);
      if (changed) await trimQuietly(db, [requester.id], config.feedKeep);
      return { handle: requester.handle };
    },

    /**
     * Turns "approve followers" on or off. Turning it off accepts every waiting request: they asked
     * to follow, and nothing holds them back any more.
     */
    async setApproval(viewer: Viewer | null, approve: boolean): Promise<void> {
      if (!isActive(viewer)) throw new UnauthenticatedError();
      // A fixed number of statements however many requests wait (no per-request round trips).
      const accepted = await db.transaction().execute(async (trx) => {
        await setApproveFollowers(trx, viewer.id, approve);
        if (approve) return [];
        const followers = await acceptFollowRequests(trx, viewer.id);
        await welcome(trx, followers, viewer.id);
        return followers;
      });
      if (accepted.length) cache.invalidate([cacheTags.profile(viewer.id), cacheTags.relations(viewer.id), ...accepted.flatMap((id) => [cacheTags.profile(id), cacheTags.relations(id)])]);
      else cache.invalidate([cacheTags.profile(viewer.id)]);
      await trimQuietly(db, accepted, config.feedKeep);
    },

    async followers(handle: string, cursor: string | undefined): Promise<{ owner: ProfileRow; page: Page<PersonRow> }> {
      const owner = await member(handle);
      return { owner, page: page(await listFollowers(db, owner.id, LIST_PAGE + 1, decodeCursor(cursor))) };
    },

    async following(handle: string, cursor: string | undefined): Promise<{ owner: ProfileRow; page: Page<PersonRow> }> {
      const owner = await member(handle);
      return { owner, page: page(await listFollowing(db, owner.id, LIST_PAGE + 1, decodeCursor(cursor))) };
    },

    // ---- hashtags ----

    async setHashtagFollow(viewer: Viewer | null, rawTag: string, follow: boolean): Promise<{ tag: string; changed: boolean }> {
      const tag = normaliseTag(rawTag);
      if (!TAG_PATTERN.test(tag)) throw new NotFoundError('tag');
      if (!isActive(viewer)) throw new NotFoundError('tag');
      const changed = await db.transaction().execute(async (trx) => {
        if (follow) {
          if (!(await insertHashtagFollow(trx, viewer.id, tag))) return false;
          await backfillHashtag(trx, viewer.id, tag);
          return true;
        }
        if (!(await deleteHashtagFollow(trx, viewer.id, tag))) return false;
        await withdrawHashtag(trx, viewer.id, tag);
        return true;
      });
      if (changed && follow) await trimQuietly(db, [viewer.id], config.feedKeep);
      return { tag, changed };
    },
  };
}
