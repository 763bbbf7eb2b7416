import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { accountRoutes } from './account.ts';
import { adminRoutes } from './admin.ts';
import { authRoutes } from './auth.ts';
import { homeRoutes } from './home.ts';
import { invitationRoutes } from './invitations.ts';
import { moderationRoutes } from './moderation.ts';
import { mediaRoutes } from './media.ts';
import { postsRoutes } from './posts.ts';
import { profilesRoutes } from './profiles.ts';
import { followersRoutes } from './followers.ts';
import { topicsRoutes } from './topics.ts';
import { blockRoutes } from './blocks.ts';
import { notificationRoutes } from './notifications.ts';

export async function registerRoutes(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(homeRoutes, { config });
  await app.register(authRoutes, { config });
  await app.register(accountRoutes, { config });
  await app.register(invitationRoutes);
  await app.register(moderationRoutes);
  await app.register(adminRoutes);
  await app.register(mediaRoutes);
  await app.register(profilesRoutes);
  await app.register(postsRoutes);
  await app.register(followersRoutes);
  await app.register(topicsRoutes, { config });
  await app.register(blockRoutes);
  await app.register(notificationRoutes);
}
