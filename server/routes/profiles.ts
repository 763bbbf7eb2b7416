// Profiles: the public page at /@handle with its wall, following, the member's own edit page
// (profile form and avatar upload), and the admin's profile questions.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type TProperties } from 'typebox';
import type { ValidationError } from '../errors.ts';
import { emptyForm, presentForm, type FormState } from '../presenters/forms.ts';
import { presentWall } from '../presenters/posts.ts';
import {
  presentProfileForm,
  presentProfilePage,
  presentQuestionForm,
  presentQuestionList,
  profileFormValues,
  profileNotice,
  questionFormValues,
} from '../presenters/profile.ts';
import { cursorQuery, formBody, idParams, noticeQuery, text } from '../schemas/forms.ts';
import { MEDIA_LIMITS } from '../services/media-service.ts';
import { ANSWER_FIELD_PATTERN, LINK_ROWS, linkLabelField, linkUrlField } from '../services/profile-service.ts';
import { requireViewer, attempt, withNotice } from './helpers.ts';
import { readMultipart } from './multipart.ts';

/** A form body that also carries the answers to profile questions (q_<id> fields). */
export function formBodyWithAnswers<P extends TProperties>(properties: P) {
  return Type.Object(
    { _csrf: text(200), ...properties },
    { additionalProperties: false, patternProperties: { [ANSWER_FIELD_PATTERN]: Type.String({ maxLength: 2000 }) } },
  );
}

const handleParams = Type.Object({ handle: Type.String({ maxLength: 200 }) }, { additionalProperties: false });

const linkFields = Object.fromEntries(LINK_ROWS.flatMap((n) => [[linkUrlField(n), text(2000)], [linkLabelField(n), text(1000)]]));
const profileBody = formBodyWithAnswers({
  displayName: text(),
  bio: text(),
  pronouns: text(),
  location: text(),
  skills: text(),
  interests: text(),
  languages: text(),
  wallPolicy: text(20),
  ...linkFields,
});

const questionBody = formBody({ labelFr: text(), labelEn: text(), kind: text(20), choices: text(), required: text(5), position: text(20) });

export interface ProfilePageOptions {
  /** the wall composer's state after a refused post (the posts routes re-render with it) */
  wallForm?: { values: Record<string, string>; errors: Record<string, string>; formError?: string | undefined };
  status?: number;
  before?: string | undefined;
}

/** Renders /@handle; exported so a refused wall post can show the page again with its form. */
export async function renderProfilePage(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, handle: string, options: ProfilePageOptions = {}) {
  const viewer = request.viewer;
  const page = await app.services.profiles.view(viewer, handle, options.before);
  const data = presentProfilePage(page, viewer, request.locale);
  const wall = presentWall(page.wall, {
    ownerHandle: page.owner.handle,
    canWrite: data.owner.viewerMayPost,
    t: request.t,
    ...(options.wallForm ? { form: options.wallForm } : {}),
  });
  return reply.page(
    'profile/show',
    { ...data, wall, ...profileNotice(request.query, request.t) },
    { title: `${page.owner.display_name} (@${page.owner.handle})`, status: options.status ?? 200 },
  );
}

export async function profilesRoutes(app: FastifyInstance) {
  const { profiles, follows } = app.services;

  // ---- the profile page and following ----

  app.get('/@:handle', { schema: { params: handleParams, querystring: cursorQuery }, config: { anonymousPageCache: true } }, async (request, reply) => {
    const { handle } = request.params as { handle: string };
    return renderProfilePage(app, request, reply, handle, { before: (request.query as { before?: string }).before });
  });

  for (const action of ['follow', 'unfollow'] as const) {
    app.post(`/@:handle/${action}`, { schema: { params: handleParams, body: formBody({}) } }, async (request, reply) => {
      const viewer = requireViewer(request);
      const { handle } = request.params as { handle: string };
      const result = await follows[action](viewer, handle);
      const notice = action === 'follow' ? (result.state === 'requested' ? 'requested' : 'followed') : result.withdrawn ? 'requestWithdrawn' : 'unfollowed';
      return reply.redirect(withNotice(`/@${result.handle}`, notice), 303);
    });
  }

  // ---- editing one's own profile ----

  async function renderEdit(request: FastifyRequest, reply: FastifyReply, errors: { profile?: ValidationError; avatar?: ValidationError } = {}) {
    const viewer = requireViewer(request);
    const state = await profiles.editState(viewer);
    const form: FormState = errors.profile ? presentForm(request.body, errors.profile, request.t) : emptyForm(profileFormValues(state));
    const avatarError = errors.avatar ? presentForm(undefined, errors.avatar, request.t).errors.avatar : undefined;
    return reply.page(
      'profile/edit',
      {
        ...presentProfileForm(state, form, request.t, request.locale),
        avatarError,
        avatarMaxMegabytes: MEDIA_LIMITS.bytes / (1024 * 1024),
        ...profileNotice(request.query, request.t),
      },
      { title: request.t('profile.edit.title'), status: errors.profile || errors.avatar ? 422 : 200 },
    );
  }

  app.get('/settings/profile', { schema: { querystring: noticeQuery } }, async (request, reply) => renderEdit(request, reply));

  app.post('/settings/profile', { schema: { body: profileBody } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const result = await attempt(() => profiles.update(viewer, request.body as Record<string, string>));
    if (!result.ok) return renderEdit(request, reply, { profile: result.error });
    return reply.redirect(withNotice(`/@${viewer.handle}`, 'profileSaved'), 303);
  });

  // Multipart: parsed before the CSRF check (see app.ts), read here.
  app.post('/settings/avatar', async (request, reply) => {
    const viewer = requireViewer(request);
    const { files } = await readMultipart(request);
    const result = await attempt(() => profiles.replaceAvatar(viewer, files.avatar?.[0], 'avatar'));
    if (!result.ok) return renderEdit(request, reply, { avatar: result.error });
    return reply.redirect(withNotice('/settings/profile', 'avatarSaved'), 303);
  });

  app.post('/settings/avatar/remove', { schema: { body: formBody({}) } }, async (request, reply) => {
    const viewer = requireViewer(request);
    await profiles.removeAvatar(viewer);
    return reply.redirect(withNotice('/settings/profile', 'avatarRemoved'), 303);
  });

  // ---- profile questions (admins) ----

  app.get('/admin/profile-questions', { schema: { querystring: noticeQuery } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const questions = presentQuestionList(await profiles.listQuestions(viewer), request.locale, request.t);
    return reply.page(
      'admin/profile-questions',
      { questions, ...profileNotice(request.query, request.t) },
      { title: request.t('profile.questions.title') },
    );
  });

  function renderQuestionForm(request: FastifyRequest, reply: FastifyReply, form: FormState, id: number | undefined, status = 200) {
    return reply.page(
      'admin/profile-questions-form',
      { ...presentQuestionForm(form, request.t), id, action: id === undefined ? '/admin/profile-questions' : `/admin/profile-questions/${id}` },
      { title: request.t(id === undefined ? 'profile.questions.new' : 'profile.questions.edit'), status },
    );
  }

  app.get('/admin/profile-questions/new', { schema: { querystring: noticeQuery } }, async (request, reply) => {
    const viewer = requireViewer(request);
    return renderQuestionForm(request, reply, emptyForm(questionFormValues(undefined, await profiles.nextPosition(viewer))), undefined);
  });

  app.post('/admin/profile-questions', { schema: { body: questionBody } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const result = await attempt(() => profiles.createQuestion(viewer, request.body as Record<string, string>, request.meta));
    if (!result.ok) return renderQuestionForm(request, reply, presentForm(request.body, result.error, request.t), undefined, 422);
    return reply.redirect(withNotice('/admin/profile-questions', 'questionCreated'), 303);
  });

  app.get('/admin/profile-questions/:id', { schema: { params: idParams, querystring: noticeQuery } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const id = Number((request.params as { id: string }).id);
    return renderQuestionForm(request, reply, emptyForm(questionFormValues(await profiles.getQuestion(viewer, id))), id);
  });

  app.post('/admin/profile-questions/:id', { schema: { params: idParams, body: questionBody } }, async (request, reply) => {
    const viewer = requireViewer(request);
    const id = Number((request.params as { id: string }).id);
    await profiles.getQuestion(viewer, id);
    const result = await attempt(() => profiles.updateQuestion(viewer, id, request.body as Record<string, string>, request.meta));
    if (!result.ok) return renderQuestionForm(request, reply, presentForm(request.body, result.error, request.t), id, 422);
    return reply.redirect(withNotice('/admin/profile-questions', 'questionSaved'), 303);
  });

  for (const [action, archived] of [['archive', true], ['restore', false]] as const) {
    app.post(`/admin/profile-questions/:id/${action}`, { schema: { params: idParams, body: formBody({}) } }, async (request, reply) => {
      const viewer = requireViewer(request);
      await profiles.setQuestionArchived(viewer, Number((request.params as { id: string }).id), archived, request.meta);
      return reply.redirect(withNotice('/admin/profile-questions', archived ? 'questionArchived' : 'questionRestored'), 303);
    });
  }
}
