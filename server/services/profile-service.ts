// Profiles: the public page of a member, its edit form, the avatar, and the extra questions an
// admin adds to the sign-up and profile forms. Rules that are not obvious:
// - Only active members have a profile page; anyone else's handle answers 404, like an unknown one.
// - Tags (skills, interests, languages) are typed as comma-separated text: trimmed, duplicates
//   dropped whatever their letter case, the first spelling and the order kept.
// - Links are http(s) only; "exemple.fr" is read as https://exemple.fr, anything with another
//   scheme (javascript:, data:, ftp:) is refused, and so are addresses carrying credentials.
// - A new avatar is stored before the transaction; the file it replaces is deleted after the
//   commit (a crash between the two leaves an orphan file, never a profile without its file).
import { NotFoundError, ValidationError, type FieldError } from '../errors.ts';
import { WALL_POLICIES, type ProfileLink, type ProfileQuestion, type ProfileTagKind, type WallPolicy } from '../db/schema.ts';
import {
  findProfileByHandle,
  findProfileByUserId,
  findQuestion,
  insertQuestion,
  listActiveQuestions,
  listAllQuestions,
  listAnswers,
  listProfileTags,
  replaceProfileTags,
  saveAnswers,
  setQuestionArchived,
  swapAvatarKey,
  updateDisplayName,
  updateProfile,
  updateQuestion,
  type NewProfileQuestion,
  type ProfileRow,
} from '../repos/profiles.ts';
import { hasFollowRequest } from '../repos/followers.ts';
import { canEditProfile, canFollow, canManageProfileQuestions, canViewProfile } from '../policies/index.ts';
import { audit } from './audit-service.ts';
import type { CachingDeps, RequestMeta, UploadedFile, Viewer } from './context.ts';
import type { Page } from '../db/pagination.ts';
import { cacheTags } from './content-cache.ts';
import type { PostItem, PostService } from './post-service.ts';
import type { MediaService } from './media-service.ts';
import { assertValid, checkDisplayName, checkText, clean } from './validation.ts';

export const PROFILE_LIMITS = {
  bio: 500,
  pronouns: 40,
  location: 80,
  tags: 10,
  tag: 40,
  links: 4,
  linkUrl: 500,
  linkLabel: 60,
  questionLabel: 200,
  choices: 20,
  choice: 100,
  answer: 300,
  position: 9999,
} as const;

export const TAG_KINDS = ['skill', 'interest', 'language'] as const satisfies readonly ProfileTagKind[];
/** Form field of each tag kind. */
export const TAG_FIELDS: Record<ProfileTagKind, 'skills' | 'interests' | 'languages'> = { skill: 'skills', interest: 'interests', language: 'languages' };
export const LINK_ROWS = [1, 2, 3, 4] as const;
export const linkUrlField = (n: number) => `linkUrl${n}`;
export const linkLabelField = (n: number) => `linkLabel${n}`;
/** Form field of a profile question's answer. */
export const answerField = (questionId: number) => `q_${questionId}`;
/** The JSON-schema pattern of answer fields, for form bodies. */
export const ANSWER_FIELD_PATTERN = '^q_[0-9]{1,15}$';

const length = (s: string) => [...s].length;

// ---- tags -------------------------------------------------------------------------------

/** "Bricolage, aide aux devoirs, bricolage" → ["Bricolage", "aide aux devoirs"]. */
export function parseTags(raw: string | undefined): string[] {
  const seen = new Set<string>();
  const tags: string[] = [];
  for (const part of (raw ?? '').normalize('NFC').split(/[,\n]/)) {
    const tag = part.replace(/\s+/g, ' ').trim();
    const key = tag.toLocaleLowerCase('fr');
    if (tag === '' || seen.has(key)) continue;
    seen.add(key);
    tags.push(tag);
  }
  return tags;
}

export function checkTags(tags: readonly string[]): FieldError | undefined {
  if (tags.length > PROFILE_LIMITS.tags) return { key: 'profile.validation.tooManyTags', params: { max: PROFILE_LIMITS.tags, count: tags.length } };
  for (const tag of tags) {
    const error = checkText(tag, { max: PROFILE_LIMITS.tag });
    if (error?.key === 'validation.tooLong') return { key: 'profile.validation.tagTooLong', params: { max: PROFILE_LIMITS.tag, tag } };
    if (error) return error;
  }
  return undefined;
}

// ---- links ------------------------------------------------------------------------------

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const BARE_DOMAIN = /^[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)*\.\p{L}{2,}([/?#:]|$)/u;

/** The address to store, or an error. Only http and https, with a host and no credentials. */
export function normaliseLink(raw: string): { url: string } | { error: FieldError } {
  if (length(raw) > PROFILE_LIMITS.linkUrl) return { error: { key: 'validation.tooLong', params: { max: PROFILE_LIMITS.linkUrl } } };
  if (/[\s\p{C}]/u.test(raw)) return { error: { key: 'profile.validation.url' } };
  let candidate = raw;
  if (!SCHEME.test(candidate)) {
    if (!BARE_DOMAIN.test(candidate)) return { error: { key: 'profile.validation.url' } };
    candidate = `https://${candidate}`;
  }
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return { error: { key: 'profile.validation.url' } };
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '' || url.username !== '' || url.password !== '') {
    return { error: { key: 'profile.validation.url' } };
  }
  if (url.href.length > PROFILE_LIMITS.linkUrl) return { error: { key: 'validation.tooLong', params: { max: PROFILE_LIMITS.linkUrl } } };
  return { url: url.href };
}

/** Whether a stored address may become a link (checked again when shown, in case of old rows). */
export function isSafeLink(url: unknown): url is string {
  return typeof url === 'string' && /^https?:\/\//i.test(url);
}

// ---- profile questions ------------------------------------------------------------------

/** Reads and checks the answers to the active questions from a form. */
export function readAnswers(
  questions: readonly ProfileQuestion[],
  input: object,
): { checks: Record<string, FieldError | undefined>; answers: Map<number, string> } {
  const checks: Record<string, FieldError | undefined> = {};
  const answers = new Map<number, string>();
  for (const q of questions) {
    const field = answerField(q.id);
    const raw = (input as Record<string, unknown>)[field];
    const value = clean(typeof raw === 'string' ? raw : '');
    let error: FieldError | undefined;
    if (q.required && value === '') error = { key: 'validation.required' };
    else if (q.kind === 'choice') error = value === '' || q.choices.includes(value) ? undefined : { key: 'validation.choice' };
    else error = checkText(value, { max: PROFILE_LIMITS.answer });
    checks[field] = error;
    answers.set(q.id, value);
  }
  return { checks, answers };
}

export interface QuestionInput {
  labelFr?: string;
  labelEn?: string;
  kind?: string;
  choices?: string;
  required?: string;
  position?: string;
}

function parseChoices(raw: string | undefined): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of (raw ?? '').normalize('NFC').split(/\r?\n/)) {
    const choice = line.replace(/\s+/g, ' ').trim();
    const key = choice.toLocaleLowerCase('fr');
    if (choice === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(choice);
  }
  return out;
}

function readQuestion(input: QuestionInput): NewProfileQuestion {
  const labelFr = clean(input.labelFr);
  const labelEn = clean(input.labelEn);
  const kind = input.kind ?? '';
  const choices = parseChoices(input.choices);
  const position = clean(input.position);
  let choicesError: FieldError | undefined;
  if (kind === 'choice') {
    if (choices.length < 2) choicesError = { key: 'profile.validation.choicesNeeded' };
    else if (choices.length > PROFILE_LIMITS.choices) choicesError = { key: 'profile.validation.tooManyChoices', params: { max: PROFILE_LIMITS.choices } };
    else if (choices.some((c) => length(c) > PROFILE_LIMITS.choice)) choicesError = { key: 'profile.validation.choiceTooLong', params: { max: PROFILE_LIMITS.choice } };
    else choicesError = choices.map((c) => checkText(c, { max: PROFILE_LIMITS.choice })).find(Boolean);
  }
  assertValid({
    labelFr: checkText(labelFr, { required: true, max: PROFILE_LIMITS.questionLabel }),
    labelEn: checkText(labelEn, { required: true, max: PROFILE_LIMITS.questionLabel }),
    kind: kind === 'text' || kind === 'choice' ? undefined : { key: 'validation.choice' },
    choices: choicesError,
    position: position === '' || /^[0-9]{1,4}$/.test(position) ? undefined : { key: 'profile.validation.position', params: { max: PROFILE_LIMITS.position } },
  });
  return {
    label_fr: labelFr,
    label_en: labelEn,
    kind: kind as 'text' | 'choice',
    choices: kind === 'choice' ? choices : [],
    required: input.required === '1',
    position: position === '' ? 0 : Number(position),
  };
}

// ---- the service ------------------------------------------------------------------------

export interface ProfileTags {
  skill: string[];
  interest: string[];
  language: string[];
}

export interface ProfilePage {
  /** the first page of the wall, or the page after the cursor given */
  wall: Page<PostItem> & { owner?: object };
  owner: ProfileRow;
  tags: ProfileTags;
  /** answered active questions, in the admin's order */
  answers: { question: ProfileQuestion; answer: string }[];
  isOwner: boolean;
  /** the viewer may follow or unfollow this member */
  canFollow: boolean;
  viewerFollows: boolean;
  /** the viewer asked to follow (the owner approves followers) and waits for an answer */
  viewerRequested: boolean;
  /** the owner approves their followers */
  approvesFollowers: boolean;
  /** the owner follows the viewer (the "people I follow" wall policy) */
  ownerFollowsViewer: boolean;
}

export interface ProfileEditState {
  owner: ProfileRow;
  tags: ProfileTags;
  questions: ProfileQuestion[];
  answers: Map<number, string>;
}

export interface ProfileInput {
  displayName?: string;
  bio?: string;
  pronouns?: string;
  location?: string;
  skills?: string;
  interests?: string;
  languages?: string;
  wallPolicy?: string;
  [field: string]: string | undefined;
}

function groupTags(rows: { kind: ProfileTagKind; tag: string }[]): ProfileTags {
  const tags: ProfileTags = { skill: [], interest: [], language: [] };
  for (const r of rows) tags[r.kind].push(r.tag);
  return tags;
}

interface ProfileModel {
  owner: ProfileRow;
  tags: ProfileTags;
  answers: { question: ProfileQuestion; answer: string }[];
}

export function createProfileService(deps: CachingDeps & { media: Pick<MediaService, 'storeAvatar' | 'remove'>; posts: PostService }) {
  const { db, media, cache, posts } = deps;
  const now = () => deps.now?.() ?? new Date();

  // Every profile page shows the answers to the active questions, which change rarely: the list
  // is kept a few seconds, and dropped at once when a question changes on this instance.
  const QUESTIONS_CACHE_MS = 5_000;
  let questionsCache: { value: Promise<ProfileQuestion[]>; at: number } | undefined;
  const activeQuestionsCached = () => {
    if (!questionsCache || Date.now() - questionsCache.at > QUESTIONS_CACHE_MS) {
      const value = listActiveQuestions(db);
      questionsCache = { value, at: Date.now() };
      value.catch(() => (questionsCache = undefined));
    }
    return questionsCache.value;
  };
  /** Drops the list once a change to the questions is committed. */
  const afterCommit = async <T>(change: Promise<T>): Promise<T> => {
    try {
      return await change;
    } finally {
      questionsCache = undefined;
      cache.invalidate([cacheTags.questions]);
    }
  };

  /** What a profile page shows of its owner, the same for every viewer (cached); active members only. */
  function profileModel(handle: string): Promise<ProfileModel | null> {
    return cache.get(`profile:${handle.toLowerCase()}`, async () => {
      const owner = await findProfileByHandle(db, handle);
      // Unknown or inactive accounts are not kept: a sign-up or an approval may change that.
      if (!owner || !canViewProfile(null, owner)) return { value: null, tags: [], keep: false };
      const [tagRows, questions, answerRows] = await Promise.all([listProfileTags(db, owner.id), activeQuestionsCached(), listAnswers(db, owner.id)]);
      const byQuestion = new Map(answerRows.map((a) => [a.question_id, a.answer]));
      const answers = questions.flatMap((question) => {
        const answer = byQuestion.get(question.id);
        return answer ? [{ question, answer }] : [];
      });
      return { value: { owner, tags: groupTags(tagRows), answers }, tags: [cacheTags.member(owner.id), cacheTags.profile(owner.id), cacheTags.questions] };
    });
  }

  /** Whatever changed on a member's profile shows everywhere at once. */
  const profileChanged = (userId: number) => cache.invalidate([cacheTags.member(userId), cacheTags.profile(userId)]);

  async function ownProfile(viewer: Viewer | null): Promise<ProfileRow> {
    if (!viewer || !canEditProfile(viewer, { id: viewer.id })) throw new NotFoundError('profile');
    const owner = await findProfileByUserId(db, viewer.id);
    if (!owner) throw new NotFoundError('profile');
    return owner;
  }

  return {
    /**
     * The public profile of an active member with a page of their wall (404 for anyone else): the
     * profile and the wall's newest posts come from the content cache, what concerns this viewer
     * (follows both ways, likes, mentions) from one query.
     */
    async view(viewer: Viewer | null, handle: string, wallCursor?: string): Promise<ProfilePage> {
      if (!/^[A-Za-z0-9_]{1,30}$/.test(handle)) throw new NotFoundError('profile');
      const model = await profileModel(handle);
      if (!model || !canViewProfile(viewer, model.owner)) throw new NotFoundError('profile');
      const { owner } = model;
      const wallQuery = wallCursor ? { memberIds: [], postIds: [] } : await posts.wallFactsQuery(owner.id);
      const facts = await posts.factsFor(viewer, { memberIds: [owner.id, ...wallQuery.memberIds], postIds: wallQuery.postIds });
      // A member who blocked the viewer has no profile for them.
      if (facts.blockedBy.has(owner.id)) throw new NotFoundError('profile');
      const wall = await posts.listWall(viewer, owner.id, wallCursor, { facts });
      const viewerFollows = facts.follows.has(owner.id);
      const viewerRequested =
        owner.approve_followers && !viewerFollows && canFollow(viewer, owner) ? await hasFollowRequest(db, viewer.id, owner.id) : false;
      return {
        wall,
        owner,
        tags: model.tags,
        answers: model.answers,
        isOwner: viewer?.id === owner.id,
        canFollow: canFollow(viewer, owner),
        viewerFollows,
        viewerRequested,
        approvesFollowers: owner.approve_followers,
        ownerFollowsViewer: facts.followedBy.has(owner.id),
      };
    },

    /** What the edit form starts from. */
    async editState(viewer: Viewer | null): Promise<ProfileEditState> {
      const owner = await ownProfile(viewer);
      const [tagRows, questions, answerRows] = await Promise.all([listProfileTags(db, owner.id), listActiveQuestions(db), listAnswers(db, owner.id)]);
      return { owner, tags: groupTags(tagRows), questions, answers: new Map(answerRows.map((a) => [a.question_id, a.answer])) };
    },

    /** Saves the whole form at once, or changes nothing and says what is wrong. */
    async update(viewer: Viewer | null, input: ProfileInput): Promise<void> {
      const owner = await ownProfile(viewer);
      const displayName = clean(input.displayName);
      const bio = (input.bio ?? '').normalize('NFC').replace(/\r\n?/g, '\n').trim();
      const pronouns = clean(input.pronouns);
      const location = clean(input.location);
      const wallPolicy = input.wallPolicy ?? '';
      const checks: Record<string, FieldError | undefined> = {
        displayName: checkDisplayName(displayName),
        bio: checkText(bio, { max: PROFILE_LIMITS.bio, multiline: true }),
        pronouns: checkText(pronouns, { max: PROFILE_LIMITS.pronouns }),
        location: checkText(location, { max: PROFILE_LIMITS.location }),
        wallPolicy: (WALL_POLICIES as readonly string[]).includes(wallPolicy) ? undefined : { key: 'validation.choice' },
      };
      const tags = {} as ProfileTags;
      for (const kind of TAG_KINDS) {
        tags[kind] = parseTags(input[TAG_FIELDS[kind]]);
        checks[TAG_FIELDS[kind]] = checkTags(tags[kind]);
      }
      const links: ProfileLink[] = [];
      for (const n of LINK_ROWS) {
        const rawUrl = clean(input[linkUrlField(n)]);
        const label = clean(input[linkLabelField(n)]);
        checks[linkLabelField(n)] = checkText(label, { max: PROFILE_LIMITS.linkLabel });
        if (rawUrl === '') {
          if (label !== '') checks[linkUrlField(n)] = { key: 'profile.validation.urlMissing' };
          continue;
        }
        const link = normaliseLink(rawUrl);
        if ('error' in link) checks[linkUrlField(n)] = link.error;
        else links.push({ url: link.url, label });
      }
      const questions = await listActiveQuestions(db);
      const { checks: answerChecks, answers } = readAnswers(questions, input);
      assertValid({ ...checks, ...answerChecks });

      await db.transaction().execute(async (trx) => {
        if (displayName !== owner.display_name) await updateDisplayName(trx, owner.id, displayName);
        await updateProfile(trx, owner.id, { bio, pronouns, location, links, wall_policy: wallPolicy as WallPolicy });
        for (const kind of TAG_KINDS) await replaceProfileTags(trx, owner.id, kind, tags[kind]);
        await saveAnswers(trx, owner.id, answers);
      });
      profileChanged(owner.id);
    },

    /** Stores a new avatar (ValidationError on the field for a bad image) and drops the old one. */
    async replaceAvatar(viewer: Viewer | null, file: UploadedFile | undefined, field = 'avatar'): Promise<void> {
      const owner = await ownProfile(viewer);
      if (!file) throw new ValidationError({ [field]: { key: 'profile.validation.noFile' } });
      const { key } = await media.storeAvatar(file, field);
      let previous: string | null;
      try {
        const swapped = await db.transaction().execute((trx) => swapAvatarKey(trx, owner.id, key));
        if (!swapped) throw new NotFoundError('profile');
        previous = swapped.previous;
        profileChanged(owner.id);
      } catch (err) {
        await media.remove(key).catch(() => undefined);
        throw err;
      }
      if (previous && previous !== key) await media.remove(previous);
    },

    /** Back to the generated initials; answers false when there was no avatar. */
    async removeAvatar(viewer: Viewer | null): Promise<boolean> {
      const owner = await ownProfile(viewer);
      const swapped = await db.transaction().execute((trx) => swapAvatarKey(trx, owner.id, null));
      profileChanged(owner.id);
      if (!swapped?.previous) return false;
      await media.remove(swapped.previous);
      return true;
    },

    // ---- profile questions ----

    /** For the sign-up form. */
    activeQuestions(): Promise<ProfileQuestion[]> {
      return listActiveQuestions(db);
    },

    async listQuestions(viewer: Viewer | null): Promise<ProfileQuestion[]> {
      if (!canManageProfileQuestions(viewer)) throw new NotFoundError('profile questions');
      return listAllQuestions(db);
    },

    async getQuestion(viewer: Viewer | null, id: number): Promise<ProfileQuestion> {
      if (!canManageProfileQuestions(viewer)) throw new NotFoundError('profile questions');
      const q = await findQuestion(db, id);
      if (!q) throw new NotFoundError('profile question');
      return q;
    },

    /** Where a new question goes by default: after the others. */
    async nextPosition(viewer: Viewer | null): Promise<number> {
      if (!canManageProfileQuestions(viewer)) throw new NotFoundError('profile questions');
      const all = await listAllQuestions(db);
      return Math.min(PROFILE_LIMITS.position, all.reduce((max, q) => Math.max(max, q.position + 1), 0));
    },

    async createQuestion(viewer: Viewer | null, input: QuestionInput, meta?: RequestMeta): Promise<ProfileQuestion> {
      if (!canManageProfileQuestions(viewer)) throw new NotFoundError('profile questions');
      const values = readQuestion(input);
      return afterCommit(db.transaction().execute(async (trx) => {
        const q = await insertQuestion(trx, values);
        await audit(trx, 'admin.profile_question_created', meta, { actorId: viewer.id, details: { questionId: q.id, label: q.label_fr } });
        return q;
      }));
    },

    async updateQuestion(viewer: Viewer | null, id: number, input: QuestionInput, meta?: RequestMeta): Promise<ProfileQuestion> {
      if (!canManageProfileQuestions(viewer)) throw new NotFoundError('profile questions');
      const values = readQuestion(input);
      return afterCommit(db.transaction().execute(async (trx) => {
        const q = await updateQuestion(trx, id, values);
        if (!q) throw new NotFoundError('profile question');
        await audit(trx, 'admin.profile_question_updated', meta, { actorId: viewer.id, details: { questionId: q.id, label: q.label_fr } });
        return q;
      }));
    },

    async setQuestionArchived(viewer: Viewer | null, id: number, archived: boolean, meta?: RequestMeta): Promise<void> {
      if (!canManageProfileQuestions(viewer)) throw new NotFoundError('profile questions');
      await afterCommit(db.transaction().execute(async (trx) => {
        if (!(await setQuestionArchived(trx, id, archived ? now() : null))) throw new NotFoundError('profile question');
        await audit(trx, archived ? 'admin.profile_question_archived' : 'admin.profile_question_restored', meta, { actorId: viewer.id, details: { questionId: id } });
      }));
    },
  };
}

export type ProfileService = ReturnType<typeof createProfileService>;
