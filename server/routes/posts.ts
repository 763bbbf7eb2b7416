// Posts, comments, likes, shares, tag pages and the notification list. Every action is a form;
// after a form the browser is sent back (303) to where it came from (`next`, same-origin only).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { ValidationError } from '../errors.ts';
import { emptyForm, presentForm, type FormState } from '../presenters/forms.ts';
import { personOf, presentCommentList, presentPost, presentPosts, presentWall, visibilityOptions } from '../presenters/posts.ts';
import { formBody, idParams, text } from '../schemas/forms.ts';
import { attempt, requireViewer, safeNext, withNotice } from './helpers.ts';
import { readMultipart } from './multipart.ts';
import { renderProfilePage } from './profiles.ts';
import { MAX_PHOTOS, type PhotoInput } from '../services/post-service.ts';
import { presentNotification } from '../presenters/notifications.ts';

const handleParams = Type.Object({ handle: Type.String({ maxLength: 60 }) }, { additionalProperties: false });
const pageQuery = Type.Object(
  {
    before: Type.Optional(Type.String({ maxLength: 100 })),
    after: Type.Optional(Type.String({ maxLength: 100 })),
    notice: Type.Optional(Type.String({ maxLength: 40 })),
    reply: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
  },
  { additionalProperties: false },
);
const nextBody = formBody({ next: text(2000) });

export async function postsRoutes(app: FastifyInstance) {
  const { posts, comments, notifications } = app.services;
  const id = (request: FastifyRequest) => Number((request.params as { id: string }).id);
  const back = (request: FastifyRequest, fallback: string) => safeNext((request.body as { next?: string } | undefined)?.next, fallback);

  // ---- writing on a wall --------------------------------------------------------------

  async function renderComposer(request: FastifyRequest, reply: FastifyReply, handle: string, form: FormState, status = 200) {
    const owner = await posts.wallOwner(handle);
    const canWrite = await posts.canWriteOn(request.viewer, owner.id);
    const wall = presentWall({ items: [], next: undefined }, { ownerHandle: owner.handle, canWrite, t: request.t, form });
    return reply.page('posts/new', { owner, wall, form }, { title: request.t('posts.new.title', { name: owner.displayName }), status });
  }

  app.get('/@:handle/posts/new', { schema: { params: handleParams } }, async (request, reply) => {
    requireViewer(request);
    return renderComposer(request, reply, (request.params as { handle: string }).handle, emptyForm({ visibility: 'members' }));
  });

  app.post('/@:handle/posts', { schema: { params: handleParams } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const handle = (request.params as { handle: string }).handle;
    const owner = await posts.wallOwner(handle);
    const form = await readMultipart(request);
    const photos: PhotoInput[] = [];
    for (let n = 1; n <= MAX_PHOTOS; n++) {
      const file = form.files[`photo${n}`]?.[0];
      if (file) photos.push({ file, alt: form.fields[`alt${n}`] ?? '', field: `photo${n}` });
    }
    const result = await attempt(() => posts.create(viewer, owner.id, form.fields, photos, request.locale, request.meta));
    // A refused post shows the wall again, with the message and what was typed.
    if (!result.ok) return renderProfilePage(app, request, reply, owner.handle, { wallForm: presentForm(form.fields, result.error, request.t), status: 422 });
    return reply.redirect(`/@${owner.handle}?notice=${result.value.held ? "postHeld" : "postPublished"}#post-${result.value.id}`, 303);
  });

  // ---- one post and its comments ------------------------------------------------------

  async function renderPost(request: FastifyRequest, reply: FastifyReply, postId: number, commentForm?: { error: ValidationError; parentId?: number }) {
    const query = request.query as { after?: string; reply?: string };
    const { item, comments: list, next, model } = await comments.page(request.viewer, postId, query.after);
    const form = commentForm ? presentForm(request.body, commentForm.error, request.t) : emptyForm();
    const replyTo = commentForm?.parentId ?? (query.reply ? Number(query.reply) : undefined);
    return reply.page(
      'posts/show',
      {
        post: presentPost(item, request.t),
        comments: presentCommentList(list, model),
        nextComments: next,
        commentForm: form,
        replyTo,
        canComment: item.can.interact,
      },
      { title: request.t('posts.show.title', { name: item.row.author_name }), status: commentForm ? 422 : 200 },
    );
  }

  app.get('/posts/:id', { schema: { params: idParams, querystring: pageQuery }, config: { anonymousPageCache: true } }, async (request, reply) => renderPost(request, reply, id(request)));

  app.post(
    '/posts/:id/comments',
    { schema: { params: idParams, body: formBody({ body: text(), parentId: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })) }) } },
    async (request, reply) => {
      const viewer = requireViewer(request);
      const body = request.body as { body?: string; parentId?: string };
      const parentId = body.parentId ? Number(body.parentId) : undefined;
      const result = await attempt(() => comments.create(viewer, id(request), { ...(body.body !== undefined ? { body: body.body } : {}), ...(parentId ? { parentId } : {}) }));
      if (!result.ok) return renderPost(request, reply, id(request), { error: result.error, ...(parentId ? { parentId } : {}) });
      return reply.redirect(`/posts/${id(request)}#comment-${result.value.id}`, 303);
    },
  );

  // ---- editing, deleting, history -----------------------------------------------------

  app.get('/posts/:id/edit', { schema: { params: idParams } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const item = await posts.get(viewer, id(request));
    if (!item.can.edit) return reply.callNotFound();
    const form = emptyForm({ body: item.row.body, visibility: item.row.visibility });
    return reply.page('posts/edit', { post: presentPost(item, request.t), form, visibilities: visibilityOptions(request.t, item.row.visibility) }, { title: request.t('posts.edit.title') });
  });

  app.post('/posts/:id/edit', { schema: { params: idParams, body: formBody({ body: text(), visibility: text(20) }) } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const result = await attempt(() => posts.edit(viewer, id(request), request.body as { body?: string; visibility?: string }));
    if (!result.ok) {
      const item = await posts.get(viewer, id(request));
      const form = presentForm(request.body, result.error, request.t);
      return reply.page(
        'posts/edit',
        { post: presentPost(item, request.t), form, visibilities: visibilityOptions(request.t, form.values.visibility ?? item.row.visibility) },
        { title: request.t('posts.edit.title'), status: 422 },
      );
    }
    return reply.redirect(withNotice(`/posts/${id(request)}`, 'postEdited'), 303);
  });

  app.post('/posts/:id/delete', { schema: { params: idParams, body: nextBody } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const { wallHandle } = await posts.remove(viewer, id(request));
    return reply.redirect(withNotice(`/@${wallHandle}`, 'postDeleted'), 303);
  });

  app.get('/posts/:id/revisions', { schema: { params: idParams } }, async (request, reply) => {
    requireViewer(request);
    const { post, revisions } = await posts.revisions(request.viewer, id(request));
    return reply.page('posts/revisions', { post: presentPost(post, request.t), revisions }, { title: request.t('posts.revisions.title') });
  });

  // ---- likes and shares ----------------------------------------------------------------

  for (const [action, like] of [['like', true], ['unlike', false]] as const) {
    app.post(`/posts/:id/${action}`, { schema: { params: idParams, body: nextBody } }, async (request, reply) => {
      const viewer = requireViewer(request);
      await posts.setLike(viewer, id(request), like);
      return reply.redirect(back(request, `/posts/${id(request)}`), 303);
    });
    app.post(`/comments/:id/${action}`, { schema: { params: idParams, body: nextBody } }, async (request, reply) => {
      const viewer = requireViewer(request);
      const comment = await comments.setLike(viewer, id(request), like);
      return reply.redirect(back(request, `/posts/${comment.post_id}#comment-${comment.id}`), 303);
    });
  }

  app.get('/posts/:id/likes', { schema: { params: idParams, querystring: pageQuery } }, async (request, reply) => {
    const { post, page } = await posts.likers(request.viewer, id(request), (request.query as { before?: string }).before);
    const people = page.items.map((p) => ({ ...personOf(p.handle, p.display_name, p.avatar_key), at: p.created_at }));
    return reply.page('posts/likes', { people, next: page.next, backUrl: `/posts/${post.id}`, count: post.like_count }, { title: request.t('posts.likes.title') });
  });

  app.get('/comments/:id/likes', { schema: { params: idParams, querystring: pageQuery } }, async (request, reply) => {
    const { comment, page } = await comments.likers(request.viewer, id(request), (request.query as { before?: string }).before);
    const people = page.items.map((p) => ({ ...personOf(p.handle, p.display_name, p.avatar_key), at: p.created_at }));
    return reply.page('posts/likes', { people, next: page.next, backUrl: `/posts/${comment.post_id}#comment-${comment.id}`, count: comment.like_count }, { title: request.t('posts.likes.title') });
  });

  async function renderShare(request: FastifyRequest, reply: FastifyReply, form: FormState, status = 200) {
    const item = await posts.get(request.viewer, id(request));
    // Sharing a share shares its original, which must itself be visible and shareable.
    const original = item.row.is_share ? item.shared : item;
    if (!original?.can.share) return reply.callNotFound();
    return reply.page(
      'posts/share',
      { post: presentPost(original, request.t), form, visibilities: visibilityOptions(request.t, form.values.visibility ?? 'members') },
      { title: request.t('posts.share.title'), status },
    );
  }

  app.get('/posts/:id/share', { schema: { params: idParams } }, async (request, reply) => {
    requireViewer(request);
    return renderShare(request, reply, emptyForm({ visibility: 'members' }));
  });

  app.post('/posts/:id/share', { schema: { params: idParams, body: formBody({ body: text(), visibility: text(20) }) } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const result = await attempt(() => posts.share(viewer, id(request), request.body as { body?: string; visibility?: string }));
    if (!result.ok) return renderShare(request, reply, presentForm(request.body, result.error, request.t), 422);
    return reply.redirect(`/@${viewer.handle}?notice=postShared#post-${result.value.id}`, 303);
  });

  // ---- comments: edit and delete --------------------------------------------------------

  app.get('/comments/:id/edit', { schema: { params: idParams } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const { comment } = await comments.get(viewer, id(request));
    return reply.page('posts/comment-edit', { comment: { id: comment.id, postId: comment.post_id }, form: emptyForm({ body: comment.body }) }, { title: request.t('posts.comments.editTitle') });
  });

  app.post('/comments/:id/edit', { schema: { params: idParams, body: formBody({ body: text() }) } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const result = await attempt(() => comments.edit(viewer, id(request), request.body as { body?: string }));
    if (!result.ok) {
      const { comment } = await comments.get(viewer, id(request));
      return reply.page(
        'posts/comment-edit',
        { comment: { id: comment.id, postId: comment.post_id }, form: presentForm(request.body, result.error, request.t) },
        { title: request.t('posts.comments.editTitle'), status: 422 },
      );
    }
    return reply.redirect(`/posts/${result.value.post_id}#comment-${result.value.id}`, 303);
  });

  app.post('/comments/:id/delete', { schema: { params: idParams, body: nextBody } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const comment = await comments.remove(viewer, id(request));
    return reply.redirect(withNotice(`/posts/${comment.post_id}`, 'commentDeleted'), 303);
  });

  // ---- tags and notifications -----------------------------------------------------------

  app.get(
    '/tags/:tag',
    { schema: { params: Type.Object({ tag: Type.String({ maxLength: 200 }) }, { additionalProperties: false }), querystring: pageQuery }, config: { anonymousPageCache: true } },
    async (request, reply) => {
      const { tag, page, following } = await posts.listTag(request.viewer, (request.params as { tag: string }).tag, (request.query as { before?: string }).before);
      return reply.page(
        'posts/tag',
        { tag, tagPath: encodeURIComponent(tag), posts: presentPosts(page, request.t), follow: { canFollow: !!request.viewer, following } },
        { title: `#${tag}` },
      );
    },
  );

  app.get('/notifications', { schema: { querystring: pageQuery } }, async (request, reply) => {
    requireViewer(request);
    const page = await notifications.list(request.viewer, (request.query as { before?: string }).before);
    const items = page.items.map(presentNotification);
    const viewerId = request.viewer!.id;
    const paged = !!(request.query as { before?: string }).before;
    return reply.page('notifications', { items, next: page.next, viewerId, paged }, { title: request.t('notifications.title') });
  });

  app.post('/notifications/read', { schema: { body: formBody({}) } }, async (request, reply) => {
    await notifications.markAllRead(requireViewer(request));
    return reply.redirect('/notifications', 303);
  });
}
