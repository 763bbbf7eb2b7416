import type { ServiceDeps } from './context.ts';
import { createAccountService } from './account-service.ts';
import { createApprovalService } from './approval-service.ts';
import { createAuditService } from './audit-service.ts';
import { createAuthService } from './auth-service.ts';
import { createInvitationService } from './invitation-service.ts';
import { createRoleService } from './role-service.ts';
import { createSessionService } from './session-service.ts';
import { createSettingsService } from './settings-service.ts';
import { createHealthService } from './health-service.ts';
import { createMaintenanceService } from './maintenance-service.ts';
import { createPostService } from './post-service.ts';
import { createMediaService } from './media-service.ts';
import { createCommentService } from './comment-service.ts';
import { createNotificationService } from './notification-service.ts';
import { createProfileService } from './profile-service.ts';
import { createFollowService } from './follow-service.ts';
import { createPostingThrottle } from './posting-throttle.ts';
import { createContentCache, type ContentCache } from './content-cache.ts';
import { createFeedService } from './feed-service.ts';
import { createTopicService } from './topic-service.ts';
import { createModerationService } from './moderation-service.ts';
import { createTargetRegistry, registerCoreTargets, registerTopicTargets } from './moderation/targets.ts';
import { createBlockService } from './block-service.ts';
import { createLiveService, MODERATION_QUEUE_EVENT } from './live-service.ts';
import { recordLiveEvents } from '../repos/live-events.ts';

export function createServices(deps: ServiceDeps) {
  const media = createMediaService(deps);
  const posting = createPostingThrottle(deps.config.rateLimits.posting, () => (deps.now?.() ?? new Date()).getTime());
  const ttlMs = deps.config.contentCacheSeconds * 1000;
  // Two stores, one set of tags: what every viewer shares (posts, walls, profiles), and what is
  // each member's own and read on each of their pages (session, unread count, relations), kept
  // apart so that many members signing in do not push the shared content out.
  const content = createContentCache({ ttlMs });
  const members = createContentCache({ ttlMs, maxEntries: 30_000 });
  const invalidateLocal = (tags: Iterable<string>) => {
    const list = [...tags];
    content.invalidateLocal(list);
    members.invalidateLocal(list);
  };
  // Other instances hear of every invalidation through the live bus (server/live/hub.ts drops
  // their entries with invalidateLocal); with one instance (PGlite) there is nobody to tell.
  const invalidate = (tags: Iterable<string>) => {
    const list = [...tags];
    invalidateLocal(list);
    if (deps.broadcastCache && list.length) void live.broadcastCacheTags(deps.instanceId ?? '', list).catch(() => {});
  };
  const clear = () => {
    content.clear();
    members.clear();
  };
  const storeView = (store: ContentCache): ContentCache => ({
    get: store.get,
    getMany: store.getMany,
    invalidate,
    invalidateLocal,
    clear,
    get size() {
      return store.size;
    },
  });
  const cache = storeView(content);
  const memberCache = storeView(members);
  const posts = createPostService({ ...deps, cache, memberCache, media, posting });
  const topics = createTopicService({ ...deps, cache, posting });
  // What can be reported: posts, comments, profiles, topics and their replies; later features register their kinds here.
  const targets = createTargetRegistry();
  registerCoreTargets(targets, { db: deps.db, posts, media });
  registerTopicTargets(targets, { db: deps.db, topics });
  const live = createLiveService({ ...deps, posts, topics });
  return {
    cache,
    media,
    posts,
    comments: createCommentService({ ...deps, cache, posts, posting }),
    notifications: createNotificationService({ ...deps, cache: memberCache }),
    account: createAccountService({ ...deps, cache: memberCache }),
    approvals: createApprovalService({ ...deps, cache: memberCache }),
    audit: createAuditService(deps),
    auth: createAuthService({ ...deps, cache: memberCache }),
    health: createHealthService(deps),
    follows: createFollowService({ ...deps, cache }),
    invitations: createInvitationService(deps),
    maintenance: createMaintenanceService(deps),
    profiles: createProfileService({ ...deps, cache, media, posts }),
    roles: createRoleService({ ...deps, cache: memberCache }),
    sessions: createSessionService({ ...deps, cache: memberCache }),
    settings: createSettingsService(deps),
    feed: createFeedService({ ...deps, cache, posts, topics }),
    topics,
    // The moderators' header count follows the queue live (server/live/channels.ts, moderation:1).
    moderation: createModerationService({ ...deps, cache, targets, onQueueChanged: () => recordLiveEvents(deps.db, [MODERATION_QUEUE_EVENT]) }),
    blocks: createBlockService({ ...deps, cache }),
    live,
  };
}

export type Services = ReturnType<typeof createServices>;
export type { Viewer, RequestMeta } from './context.ts';
