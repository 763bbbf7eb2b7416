// The discussion forum: the discussions index, category pages, topics with their replies,
// moderation of topics, and the admin pages of categories. Every action is a form; refused input
// shows the same page again with the message and what was typed (422).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type TSchema } from 'typebox';
import type { Config } from '../config.ts';
import type { ValidationError } from '../errors.ts';
import { emptyForm, presentForm, type FormState } from '../presenters/forms.ts';
import { presentCategory, presentTopicItem, presentTopicList, presentTopicPage, quoteText, replyAnchor } from '../presenters/topics.ts';
import { formBody, idParams, text } from '../schemas/forms.ts';
import { attempt, requireViewer, safeNext } from './helpers.ts';
import { TOPIC_LIMITS } from '../services/topic-service.ts';
import type { ForumCategory } from '../db/schema.ts';
import type { Viewer } from '../services/index.ts';

const num = Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' }));
const topicQuery = Type.Object(
  { after: num, before: num, quote: num, notice: Type.Optional(Type.String({ maxLength: 40 })) },
  { additionalProperties: false },
);
const listQuery = Type.Object(
  {
    before: Type.Optional(Type.String({ maxLength: 100 })),
    filter: Type.Optional(Type.String({ maxLength: 20 })),
    tag: Type.Optional(Type.String({ maxLength: 200 })),
    notice: Type.Optional(Type.String({ maxLength: 40 })),
  },
  { additionalProperties: false },
);
const replyParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }), replyId: Type.String({ pattern: '^[0-9]{1,15}$' }) }, { additionalProperties: false });
const nextBody = formBody({ next: text(2000) });
const categoryBody = formBody({ name: text(200), description: text(2000), colour: text(20), position: text(10), restricted: text(5) });

export async function topicsRoutes(app: FastifyInstance, { config }: { config: Config }) {
  const { topics } = app.services;
  const id = (request: FastifyRequest) => Number((request.params as { id: string }).id);
  const back = (request: FastifyRequest, fallback: string) => safeNext((request.body as { next?: string } | undefined)?.next, fallback);
  const origin = (request: FastifyRequest) => config.publicUrl?.origin ?? `${request.protocol}://${request.host}`;

  // ---- discussions index and categories -----------------------------------------------------

  app.get('/discussions', { schema: { querystring: listQuery }, config: { anonymousPageCache: true } }, async (request, reply) => {
    const q = request.query as { before?: string; filter?: string; tag?: string };
    const result = await topics.discussions(request.viewer, q.filter, q.before, q.tag);
    const base = result.tag !== undefined ? `/discussions?tag=${encodeURIComponent(result.tag)}` : `/discussions?filter=${result.filter}`;
    const filters = (['latest', 'unanswered', 'followed'] as const)
      .filter((f) => f !== 'followed' || request.viewer)
      .map((f) => ({ value: f, label: request.t(`topics.filters.${f}`), url: `/discussions?filter=${f}`, current: result.tag === undefined && f === result.filter }));
    return reply.page(
      'topics/index',
      { filters, tag: result.tag, followedList: result.tag === undefined && result.filter === 'followed', topics: presentTopicList(result.topics), nextUrl: result.topics.next ? `${base}&before=${result.topics.next}` : undefined, categories: result.categories.map(presentCategory) },
      { title: result.tag !== undefined ? request.t('topics.index.tagTitle', { tag: result.tag }) : request.t('topics.index.title') },
    );
  });

  app.get('/c/:id', { schema: { params: idParams, querystring: listQuery }, config: { anonymousPageCache: true } }, async (request, reply) => {
    const page = await topics.categoryPage(request.viewer, id(request), (request.query as { before?: string }).before);
    const category = presentCategory(page.category);
    return reply.page(
      'topics/category',
      {
        category,
        pinned: page.pinned.map(presentTopicItem),
        topics: presentTopicList(page.topics),
        nextUrl: page.topics.next ? `${category.url}?before=${page.topics.next}` : undefined,
        following: page.following,
        can: page.can,
      },
      { title: page.category.name },
    );
  });

  for (const [action, follow] of [['follow', true], ['unfollow', false]] as const) {
    app.post(`/c/:id/${action}`, { schema: { params: idParams, body: nextBody } }, async (request, reply) => {
      await topics.setFollow(requireViewer(request), { categoryId: id(request) }, follow);
      return reply.redirect(back(request, `/c/${id(request)}`), 303);
    });
    app.post(`/t/:id/${action}`, { schema: { params: idParams, body: nextBody } }, async (request, reply) => {
      await topics.setFollow(requireViewer(request), { topicId: id(request) }, follow);
      return reply.redirect(back(request, `/t/${id(request)}`), 303);
    });
  }

  // ---- new topic ------------------------------------------------------------------------------

  async function renderNewTopic(request: FastifyRequest, reply: FastifyReply, form: FormState, status = 200) {
    const ctx = await topics.newTopicContext(request.viewer, id(request));
    return reply.page(
      'topics/new',
      { category: presentCategory(ctx.category), canPost: ctx.canPost, form, limits: TOPIC_LIMITS },
      { title: request.t('topics.new.title', { category: ctx.category.name }), status },
    );
  }

  app.get('/c/:id/new', { schema: { params: idParams } }, async (request, reply) => {
    requireViewer(request);
    return renderNewTopic(request, reply, emptyForm());
  });

  app.post('/c/:id/topics', { schema: { params: idParams, body: formBody({ title: text(1000), body: text() }) } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const result = await attempt(() => topics.createTopic(viewer, id(request), request.body as { title?: string; body?: string }));
    if (!result.ok) return renderNewTopic(request, reply, presentForm(request.body, result.error, request.t), 422);
    return reply.redirect(`/t/${result.value.id}`, 303);
  });

  // ---- a topic and its replies -----------------------------------------------------------------

  async function renderTopic(request: FastifyRequest, reply: FastifyReply, topicId: number, replyForm?: ValidationError) {
    const q = request.query as { after?: string; before?: string; quote?: string };
    const page = await topics.page(request.viewer, topicId, {
      ...(q.after !== undefined ? { after: Number(q.after) } : {}),
      ...(q.before !== undefined ? { before: Number(q.before) } : {}),
    });
    let form = replyForm ? presentForm(request.body, replyForm, request.t) : emptyForm();
    if (!replyForm && q.quote !== undefined && page.can.reply) {
      const quoted = await topics.quotable(request.viewer, topicId, Number(q.quote));
      if (quoted) form = emptyForm({ body: quoteText(quoted, topicId, origin(request), request.t) });
    }
    const topic = presentTopicPage(page);
    return reply.page(
      'topics/show',
      { topic, replyForm: form, limits: TOPIC_LIMITS, loginUrl: `/login?next=${encodeURIComponent(topic.url)}` },
      { title: page.topic.title, status: replyForm ? 422 : 200 },
    );
  }

  app.get('/t/:id', { schema: { params: idParams, querystring: topicQuery }, config: { anonymousPageCache: true } }, async (request, reply) =>
    renderTopic(request, reply, id(request)),
  );

  // Permalink of a reply: the page that shows it.
  app.get('/t/:id/r/:replyId', { schema: { params: replyParams } }, async (request, reply) => {
    const p = request.params as { id: string; replyId: string };
    const where = await topics.replyLocation(Number(p.id), Number(p.replyId));
    return reply.redirect(`/t/${p.id}${where.after !== undefined ? `?after=${where.after}` : ''}#${replyAnchor(Number(p.replyId))}`, 302);
  });

  app.get('/t/:id/unread', { schema: { params: idParams } }, async (request, reply) => {
    const first = await topics.firstUnread(request.viewer, id(request));
    return reply.redirect(first !== undefined ? `/t/${id(request)}/r/${first}` : `/t/${id(request)}`, 302);
  });

  app.post('/t/:id/replies', { schema: { params: idParams, body: formBody({ body: text() }) } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const result = await attempt(() => topics.reply(viewer, id(request), request.body as { body?: string }));
    if (!result.ok) return renderTopic(request, reply, id(request), result.error);
    return reply.redirect(`/t/${id(request)}/r/${result.value.id}`, 303);
  });

  // ---- the opening post: its author edits it ---------------------------------------------------

  function renderTopicEdit(reply: FastifyReply, request: FastifyRequest, t: { id: number; title: string }, form: FormState, status = 200) {
    return reply.page('topics/edit', { topic: { id: t.id, title: t.title, url: `/t/${t.id}` }, form, limits: TOPIC_LIMITS }, { title: request.t('topics.editTitle'), status });
  }

  app.get('/t/:id/edit', { schema: { params: idParams } }, async (request, reply) => {
    const t = await topics.editableTopic(requireViewer(request), id(request));
    return renderTopicEdit(reply, request, t, emptyForm({ body: t.body }));
  });

  app.post('/t/:id/edit', { schema: { params: idParams, body: formBody({ body: text() }) } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const result = await attempt(() => topics.editTopic(viewer, id(request), request.body as { body?: string }));
    if (!result.ok) return renderTopicEdit(reply, request, await topics.editableTopic(viewer, id(request)), presentForm(request.body, result.error, request.t), 422);
    return reply.redirect(`/t/${id(request)}`, 303);
  });

  // ---- replies: edit, delete, like ------------------------------------------------------------

  app.get('/replies/:id/edit', { schema: { params: idParams } }, async (request, reply) => {
    const r = await topics.editable(requireViewer(request), id(request));
    return reply.page('topics/reply-edit', { reply: { id: r.id, topicId: r.topic_id, url: `/t/${r.topic_id}/r/${r.id}` }, form: emptyForm({ body: r.body }), limits: TOPIC_LIMITS }, { title: request.t('topics.reply.editTitle') });
  });

  app.post('/replies/:id/edit', { schema: { params: idParams, body: formBody({ body: text() }) } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const result = await attempt(() => topics.editReply(viewer, id(request), request.body as { body?: string }));
    if (!result.ok) {
      const r = await topics.editable(viewer, id(request));
      return reply.page(
        'topics/reply-edit',
        { reply: { id: r.id, topicId: r.topic_id, url: `/t/${r.topic_id}/r/${r.id}` }, form: presentForm(request.body, result.error, request.t), limits: TOPIC_LIMITS },
        { title: request.t('topics.reply.editTitle'), status: 422 },
      );
    }
    return reply.redirect(`/t/${result.value.topic_id}/r/${result.value.id}`, 303);
  });

  app.post('/replies/:id/delete', { schema: { params: idParams, body: nextBody } }, async (request, reply) => {
    const r = await topics.removeReply(requireViewer(request), id(request), request.meta);
    return reply.redirect(`/t/${r.topic_id}?notice=replyDeleted`, 303);
  });

  for (const [action, like] of [['like', true], ['unlike', false]] as const) {
    app.post(`/replies/:id/${action}`, { schema: { params: idParams, body: nextBody } }, async (request, reply) => {
      const r = await topics.setLike(requireViewer(request), id(request), like);
      return reply.redirect(back(request, `/t/${r.topic_id}/r/${r.id}`), 303);
    });
  }

  // ---- moderation ------------------------------------------------------------------------------

  async function renderModeration(request: FastifyRequest, reply: FastifyReply, forms: { lock?: FormState; move?: FormState; title?: FormState } = {}, status = 200) {
    const { topic, categories } = await topics.forModeration(request.viewer, id(request));
    return reply.page(
      'topics/moderate',
      {
        topic: { id: topic.id, url: `/t/${topic.id}`, title: topic.title, pinned: topic.pinned, locked: topic.locked_at !== null, lockReason: topic.lock_reason, categoryName: topic.category_name },
        categories: categories.map(presentCategory),
        lockForm: forms.lock ?? emptyForm(),
        moveForm: forms.move ?? emptyForm(),
        titleForm: forms.title ?? emptyForm({ title: topic.title }),
        limits: TOPIC_LIMITS,
      },
      { title: request.t('topics.moderate.title'), status },
    );
  }

  app.get('/t/:id/moderate', { schema: { params: idParams } }, async (request, reply) => {
    requireViewer(request);
    return renderModeration(request, reply);
  });

  for (const [action, pinned] of [['pin', true], ['unpin', false]] as const) {
    app.post(`/t/:id/${action}`, { schema: { params: idParams, body: nextBody } }, async (request, reply) => {
      await topics.setPinned(requireViewer(request), id(request), pinned, request.meta);
      return reply.redirect(back(request, `/t/${id(request)}`), 303);
    });
  }

  app.post('/t/:id/unlock', { schema: { params: idParams, body: nextBody } }, async (request, reply) => {
    await topics.unlock(requireViewer(request), id(request), request.meta);
    return reply.redirect(back(request, `/t/${id(request)}`), 303);
  });

  type ModerationForm = (viewer: Viewer, body: Record<string, string>, request: FastifyRequest) => Promise<void>;
  const moderationForms: [name: 'lock' | 'move' | 'title', schema: TSchema, action: ModerationForm][] = [
    ['lock', formBody({ reason: text(2000) }), (v, body, r) => topics.lock(v, id(r), body, r.meta)],
    ['move', formBody({ categoryId: text(20) }), (v, body, r) => topics.move(v, id(r), body, r.meta)],
    ['title', formBody({ title: text(1000) }), (v, body, r) => topics.retitle(v, id(r), body, r.meta)],
  ];
  for (const [name, schema, action] of moderationForms) {
    app.post(`/t/:id/${name}`, { schema: { params: idParams, body: schema } }, async (request, reply) => {
      const viewer = requireViewer(request);
      const result = await attempt(() => action(viewer, request.body as Record<string, string>, request));
      if (!result.ok) return renderModeration(request, reply, { [name]: presentForm(request.body, result.error, request.t) }, 422);
      return reply.redirect(`/t/${id(request)}`, 303);
    });
  }

  // Category colours as a stylesheet: the CSP allows no inline style, and colours are validated #rrggbb.
  app.get('/forum/colours.css', async (_request, reply) => {
    const list = await topics.categories();
    const css = list.map((c) => `.category-colour-${c.id}{background-color:${c.colour}}`).join('\n');
    return reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=60').send(`${css}\n`);
  });

  // ---- admin: categories -----------------------------------------------------------------------

  function categoryForm(c: ForumCategory | undefined): FormState {
    return emptyForm(
      c ? { name: c.name, description: c.description, colour: c.colour, position: String(c.position), restricted: c.restricted ? '1' : '' } : { colour: '#3b6ea5', position: '0' },
    );
  }

  async function renderCategories(request: FastifyRequest, reply: FastifyReply, form: FormState, status = 200) {
    const list = await topics.categoriesForAdmin(request.viewer);
    return reply.page('topics/admin-categories', { categories: list.map(presentCategory), form, limits: TOPIC_LIMITS }, { title: request.t('topics.admin.title'), status });
  }

  app.get('/admin/categories', async (request, reply) => {
    requireViewer(request);
    return renderCategories(request, reply, categoryForm(undefined));
  });

  app.post('/admin/categories', { schema: { body: categoryBody } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const result = await attempt(() => topics.createCategory(viewer, request.body as Record<string, string>, request.meta));
    if (!result.ok) return renderCategories(request, reply, presentForm(request.body, result.error, request.t), 422);
    return reply.redirect('/admin/categories', 303);
  });

  async function renderCategoryEdit(request: FastifyRequest, reply: FastifyReply, form: FormState | undefined, status = 200) {
    const c = await topics.categoryForAdmin(request.viewer, id(request));
    return reply.page('topics/admin-category-edit', { category: presentCategory(c), form: form ?? categoryForm(c), limits: TOPIC_LIMITS }, { title: request.t('topics.admin.editTitle'), status });
  }

  app.get('/admin/categories/:id/edit', { schema: { params: idParams } }, async (request, reply) => {
    requireViewer(request);
    return renderCategoryEdit(request, reply, undefined);
  });

  app.post('/admin/categories/:id/edit', { schema: { params: idParams, body: categoryBody } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const result = await attempt(() => topics.updateCategory(viewer, id(request), request.body as Record<string, string>, request.meta));
    if (!result.ok) return renderCategoryEdit(request, reply, presentForm(request.body, result.error, request.t), 422);
    return reply.redirect('/admin/categories', 303);
  });
}
