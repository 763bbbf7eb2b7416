// Profiles for the templates: the public page, the edit form, the profile-question fields (shared
// by the sign-up and edit forms) and the admin list of questions. Every string here is escaped by
// the templates; links are re-checked to be http(s) before they become an href.
import type { Locale } from '../config.ts';
import type { ProfileQuestion, WallPolicy } from '../db/schema.ts';
import { WALL_POLICIES } from '../db/schema.ts';
import type { Translate } from '../i18n/index.ts';
import type { FormState } from './forms.ts';
import { canPostOnWall } from '../policies/index.ts';
import { avatarUrls } from '../services/media-service.ts';
import {
  answerField,
  isSafeLink,
  LINK_ROWS,
  linkLabelField,
  linkUrlField,
  PROFILE_LIMITS,
  TAG_FIELDS,
  TAG_KINDS,
  type ProfileEditState,
  type ProfilePage,
} from '../services/profile-service.ts';
import type { Viewer } from '../services/index.ts';
import { LIMITS } from '../services/validation.ts';

/** Limits the forms show (hints and maxlength), from the ones the service enforces. */
export const FORM_LIMITS = {
  ...PROFILE_LIMITS,
  displayName: LIMITS.displayName.max,
  /** a tags field holds up to `tags` tags of `tag` characters and their separators */
  tagsField: PROFILE_LIMITS.tags * (PROFILE_LIMITS.tag + 2),
  choicesField: PROFILE_LIMITS.choices * (PROFILE_LIMITS.choice + 1),
};

export const PROFILE_NOTICES = [
  'profileSaved',
  'avatarSaved',
  'avatarRemoved',
  'followed',
  'unfollowed',
  'questionCreated',
  'questionSaved',
  'questionArchived',
  'questionRestored',
  'requested',
  'requestWithdrawn',
  'followerRemoved',
  'requestAccepted',
  'requestRefused',
  'approvalSaved',
] as const;
export type ProfileNotice = (typeof PROFILE_NOTICES)[number];

/** The page's own notice (?notice=…), which the layout shows; undefined leaves the layout's. */
export function profileNotice(query: unknown, t: Translate): { notice?: string } {
  const notice = (query as { notice?: unknown } | undefined)?.notice;
  return typeof notice === 'string' && (PROFILE_NOTICES as readonly string[]).includes(notice) ? { notice: t(`profile.notices.${notice}`) } : {};
}

export function questionLabel(q: Pick<ProfileQuestion, 'label_fr' | 'label_en'>, locale: Locale): string {
  return locale === 'en' ? q.label_en : q.label_fr;
}

const memberSinceFormats = new Map<Locale, Intl.DateTimeFormat>();
// Formatting a date takes microseconds and every profile page shows one: remembered per hour of
// the date (Paris is a whole number of hours from UTC, so an hour never straddles two days there).
const memberSinceTexts = new Map<string, string>();
export function formatMemberSince(date: Date, locale: Locale): string {
  const key = `${locale}${Math.floor(date.getTime() / 3_600_000)}`;
  const known = memberSinceTexts.get(key);
  if (known !== undefined) return known;
  let f = memberSinceFormats.get(locale);
  if (!f) {
    f = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { dateStyle: 'long', timeZone: 'Europe/Paris' });
    memberSinceFormats.set(locale, f);
  }
  const text = f.format(date);
  if (memberSinceTexts.size >= 10_000) memberSinceTexts.clear();
  memberSinceTexts.set(key, text);
  return text;
}

/** "https://www.exemple.fr/atelier/" → "www.exemple.fr/atelier", when a link has no label. */
function linkText(url: string): string {
  return url.replace(/^https?:\/\//i, '').replace(/\/$/, '');
}

export function presentProfilePage(page: ProfilePage, viewer: Viewer | null, locale: Locale) {
  const o = page.owner;
  const avatar = avatarUrls({ handle: o.handle, displayName: o.display_name, avatarKey: o.avatar_key });
  return {
    profile: {
      handle: o.handle,
      displayName: o.display_name,
      avatar,
      bio: o.bio,
      pronouns: o.pronouns,
      location: o.location,
      skills: page.tags.skill,
      interests: page.tags.interest,
      languages: page.tags.language,
      hasTags: page.tags.skill.length + page.tags.interest.length + page.tags.language.length > 0,
      links: (Array.isArray(o.links) ? o.links : []).filter((l) => isSafeLink(l?.url)).map((l) => ({ url: l.url, text: l.label || linkText(l.url) })),
      memberSince: o.created_at,
      memberSinceText: formatMemberSince(o.created_at, locale),
      counts: { posts: o.post_count, followers: o.follower_count, following: o.following_count },
      answers: page.answers.map((a) => ({ label: questionLabel(a.question, locale), answer: a.answer })),
    },
    /** what the wall partial gets besides the page of posts */
    owner: {
      id: o.id,
      handle: o.handle,
      displayName: o.display_name,
      avatar,
      wallPolicy: o.wall_policy,
      isViewer: page.isOwner,
      viewerMayPost: canPostOnWall(viewer, { id: o.id, wall_policy: o.wall_policy }, page.ownerFollowsViewer),
    },
    follow: {
      canFollow: page.canFollow,
      following: page.viewerFollows,
      requested: page.viewerRequested,
      approves: page.approvesFollowers,
      loginToFollow: !viewer,
      loginPath: `/login?next=${encodeURIComponent(`/@${o.handle}`)}`,
    },
    isOwner: page.isOwner,
    // The profile card is rendered once per owner row and per follow state of the viewer.
    profileCache: { owner: o, variant: [page.canFollow, page.viewerFollows, !viewer, page.isOwner, page.viewerRequested].map((b) => (b ? '1' : '0')).join('') },
  };
}

/** The edit form's starting values: what is stored. */
export function profileFormValues(state: ProfileEditState): Record<string, string> {
  const o = state.owner;
  const values: Record<string, string> = {
    displayName: o.display_name,
    bio: o.bio,
    pronouns: o.pronouns,
    location: o.location,
    wallPolicy: o.wall_policy,
  };
  for (const kind of TAG_KINDS) values[TAG_FIELDS[kind]] = state.tags[kind].join(', ');
  const links = Array.isArray(o.links) ? o.links : [];
  for (const n of LINK_ROWS) {
    values[linkUrlField(n)] = links[n - 1]?.url ?? '';
    values[linkLabelField(n)] = links[n - 1]?.label ?? '';
  }
  for (const q of state.questions) values[answerField(q.id)] = state.answers.get(q.id) ?? '';
  return values;
}

/** The answer fields of the active questions, labelled in the viewer's language. */
export function presentQuestionFields(questions: readonly ProfileQuestion[], form: FormState, locale: Locale) {
  return questions.map((q) => {
    const name = answerField(q.id);
    const value = form.values[name] ?? '';
    return {
      name,
      label: questionLabel(q, locale),
      required: q.required,
      isChoice: q.kind === 'choice',
      value,
      error: form.errors[name],
      options: q.choices.map((c) => ({ value: c, selected: c === value })),
      maxlength: PROFILE_LIMITS.answer,
    };
  });
}

export function presentProfileForm(state: ProfileEditState, form: FormState, t: Translate, locale: Locale) {
  const o = state.owner;
  return {
    form,
    limits: FORM_LIMITS,
    handle: o.handle,
    avatar: avatarUrls({ handle: o.handle, displayName: o.display_name, avatarKey: o.avatar_key }),
    displayName: o.display_name,
    hasAvatar: !!o.avatar_key,
    links: LINK_ROWS.map((n) => ({
      n,
      urlName: linkUrlField(n),
      labelName: linkLabelField(n),
      url: form.values[linkUrlField(n)] ?? '',
      label: form.values[linkLabelField(n)] ?? '',
      urlError: form.errors[linkUrlField(n)],
      labelError: form.errors[linkLabelField(n)],
    })),
    wallPolicies: WALL_POLICIES.map((p: WallPolicy) => ({
      value: p,
      label: t(`profile.wallPolicies.${p}.label`),
      hint: t(`profile.wallPolicies.${p}.hint`),
      checked: form.values.wallPolicy === p,
    })),
    questions: presentQuestionFields(state.questions, form, locale),
  };
}

export function presentQuestionList(questions: readonly ProfileQuestion[], locale: Locale, t: Translate) {
  const row = (q: ProfileQuestion) => ({
    id: q.id,
    label: questionLabel(q, locale),
    otherLabel: locale === 'en' ? q.label_fr : q.label_en,
    kind: t(`profile.questions.kinds.${q.kind}`),
    choices: q.choices.join(' · '),
    required: q.required,
    position: q.position,
  });
  return {
    active: questions.filter((q) => !q.archived_at).map(row),
    archived: questions.filter((q) => q.archived_at).map(row),
  };
}

/** The question form's starting values. */
export function questionFormValues(q: ProfileQuestion | undefined, nextPosition = 0): Record<string, string> {
  if (!q) return { labelFr: '', labelEn: '', kind: 'text', choices: '', required: '', position: String(nextPosition) };
  return {
    labelFr: q.label_fr,
    labelEn: q.label_en,
    kind: q.kind,
    choices: q.choices.join('\n'),
    required: q.required ? '1' : '',
    position: String(q.position),
  };
}

export function presentQuestionForm(form: FormState, t: Translate) {
  return {
    form,
    limits: FORM_LIMITS,
    kinds: (['text', 'choice'] as const).map((k) => ({
      value: k,
      label: t(`profile.questions.kinds.${k}`),
      checked: (form.values.kind || 'text') === k,
    })),
    required: form.values.required === '1',
  };
}
