// Followers: follow requests and the "approve followers" setting (/settings/followers), the
// followers and following lists of a profile, removing a follower, following a hashtag. Following
// a member itself is in profiles.ts (/@handle/follow, /@handle/unfollow).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { presentPeople } from '../presenters/followers.ts';
import { profileNotice } from '../presenters/profile.ts';
import { cursorQuery, formBody, text } from '../schemas/forms.ts';
import { requireViewer, withNotice } from './helpers.ts';

const handleParams = Type.Object({ handle: Type.String({ maxLength: 200 }) }, { additionalProperties: false });
const tagParams = Type.Object({ tag: Type.String({ maxLength: 200 }) }, { additionalProperties: false });
const before = (request: FastifyRequest) => (request.query as { before?: string }).before;
const handleOf = (request: FastifyRequest) => (request.params as { handle: string }).handle;

export async function followersRoutes(app: FastifyInstance) {
  const { follows } = app.services;

  for (const list of ['followers', 'following'] as const) {
    app.get(`/@:handle/${list}`, { schema: { params: handleParams, querystring: cursorQuery } }, async (request, reply) => {
      const { owner, page } = await follows[list](handleOf(request), before(request));
      const isOwner = request.viewer?.id === owner.id;
      return reply.page(
        'profile/people',
        {
          list,
          owner: { handle: owner.handle, displayName: owner.display_name },
          people: presentPeople(page.items),
          next: page.next,
          // The owner may remove their followers from their own list.
          canRemove: list === 'followers' && isOwner,
          ...profileNotice(request.query, request.t),
        },
        { title: request.t(`followers.lists.${list}.title`, { name: owner.display_name }) },
      );
    });
  }

  app.post('/@:handle/remove-follower', { schema: { params: handleParams, body: formBody({}) } }, async (request, reply) => {
    const viewer = requireViewer(request);
    await follows.removeFollower(viewer, handleOf(request));
    return reply.redirect(withNotice(`/@${viewer.handle}/followers`, 'followerRemoved'), 303);
  });

  app.get('/settings/followers', { schema: { querystring: cursorQuery } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const { approve, page } = await follows.requests(viewer, before(request));
    return reply.page(
      'profile/follow-requests',
      { approve, requests: presentPeople(page.items), next: page.next, ...profileNotice(request.query, request.t) },
      { title: request.t('followers.requests.title') },
    );
  });

  app.post('/settings/followers', { schema: { body: formBody({ approve: text(5) }) } }, async (request, reply) => {
    const viewer = requireViewer(request);
    await follows.setApproval(viewer, (request.body as { approve?: string }).approve === '1');
    return reply.redirect(withNotice('/settings/followers', 'approvalSaved'), 303);
  });

  for (const [action, accept] of [['accept', true], ['refuse', false]] as const) {
    app.post(`/settings/followers/:handle/${action}`, { schema: { params: handleParams, body: formBody({}) } }, async (request, reply) => {
      const viewer = requireViewer(request);
      await follows.answerRequest(viewer, handleOf(request), accept);
      return reply.redirect(withNotice('/settings/followers', accept ? 'requestAccepted' : 'requestRefused'), 303);
    });
  }

  for (const [action, follow] of [['follow', true], ['unfollow', false]] as const) {
    app.post(`/tags/:tag/${action}`, { schema: { params: tagParams, body: formBody({}) } }, async (request, reply) => {
      const viewer = requireViewer(request);
      const { tag } = await follows.setHashtagFollow(viewer, (request.params as { tag: string }).tag, follow);
      return reply.redirect(`/tags/${encodeURIComponent(tag)}`, 303);
    });
  }
}
