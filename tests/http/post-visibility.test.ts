// Who sees a post, everywhere it can show up. For each visibility and each kind of viewer, every
// place that shows a post (permalink, wall, tag page, likes, share page, comments, notifications,
// the preview inside a share) either shows it or hides it exactly as canViewPost says — the lists
// go through the SQL twin (visiblePostsFilter), so this also checks the two agree.
// Rules: public → everyone; members → any active member; followers → author, wall owner and the
// author's followers; mentioned → author, wall owner and mentioned members. Moderators and admins
// get no extra visibility; a pending account sees only its waiting page (403).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Handlebars from 'handlebars';
import type { Response } from 'supertest';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import { translator } from '../../server/i18n/index.ts';
import type { User } from '../../server/db/schema.ts';

const VISIBILITIES = ['public', 'members', 'followers', 'mentioned'] as const;
type Visibility = (typeof VISIBILITIES)[number];

const VIEWERS = [
  'logged out',
  'pending account',
  'author',
  'wall owner',
  'follower of the author',
  'follower of the wall owner only',
  'member who does not follow',
  'mentioned member',
  'moderator',
  'admin',
] as const;
type ViewerKind = (typeof VIEWERS)[number];
type Person = Exclude<ViewerKind, 'logged out'>;

const fr = translator('fr');
const msg = (key: string, params?: Record<string, unknown>) => Handlebars.escapeExpression(fr(key, params));

let t: TestApp;
const people = {} as Record<Person, User>;
const clients = {} as Record<ViewerKind, Client>;
let sharer: User;

interface Fixture {
  /** the post, written by the author on the wall owner's wall, mentioning the mentioned member */
  postId: number;
  body: string;
  /** the author's comment, mentioning every member but the author */
  authorCommentId: number;
  /** the wall owner's comment, mentioning the author */
  ownerCommentId: number;
  /** a public share (by someone else) of an original that now has this visibility */
  shareId: number;
  originalId: number;
  originalBody: string;
}
const fixtures = {} as Record<Visibility, Fixture>;

const postIdFrom = (res: Response) => {
  expect(res.status, res.text.slice(0, 300)).toBe(303);
  return Number(/#post-(\d+)/.exec(res.headers.location!)![1]);
};
const commentIdFrom = (res: Response) => {
  expect(res.status, res.text.slice(0, 300)).toBe(303);
  return Number(/#comment-(\d+)/.exec(res.headers.location!)![1]);
};

async function publish(c: Client, wall: string, fields: Record<string, string>) {
  return c.submitMultipart(`/@${wall}/posts`, fields, {}, { from: `/@${wall}/posts/new` });
}

beforeAll(async () => {
  t = await createTestApp();
  people.author = await createUser(t.db, { handle: 'vis_author', displayName: 'Autrice Matrice' });
  people['wall owner'] = await createUser(t.db, { handle: 'vis_owner', displayName: 'Propriétaire Mur' });
  people['follower of the author'] = await createUser(t.db, { handle: 'vis_follower', displayName: 'Abonnée Autrice' });
  people['follower of the wall owner only'] = await createUser(t.db, { handle: 'vis_ownerfan', displayName: 'Abonné Mur' });
  people['member who does not follow'] = await createUser(t.db, { handle: 'vis_member', displayName: 'Membre Simple' });
  people['mentioned member'] = await createUser(t.db, { handle: 'vis_mentioned', displayName: 'Personne Citée' });
  people.moderator = await createUser(t.db, { handle: 'vis_mod', displayName: 'Modé Ratrice', role: 'moderator' });
  people.admin = await createUser(t.db, { handle: 'vis_admin', displayName: 'Admin Istratrice', role: 'admin' });
  people['pending account'] = await createUser(t.db, { handle: 'vis_pending', displayName: 'En Attente', status: 'pending' });
  sharer = await createUser(t.db, { handle: 'vis_sharer', displayName: 'Relais Partage' });

  await t.db
    .insertInto('follows')
    .values([
      { follower_id: people['follower of the author'].id, followee_id: people.author.id },
      { follower_id: people['follower of the wall owner only'].id, followee_id: people['wall owner'].id },
    ])
    .execute();

  clients['logged out'] = t.client();
  for (const kind of VIEWERS) {
    if (kind === 'logged out') continue;
    clients[kind] = await t.loggedIn(people[kind].handle);
  }
  const sharerC = await t.loggedIn(sharer.handle);

  const author = clients.author;
  const owner = clients['wall owner'];
  const everyoneButAuthor = (['wall owner', 'follower of the author', 'follower of the wall owner only', 'member who does not follow', 'mentioned member', 'moderator', 'admin', 'pending account'] as const)
    .map((k) => `@${people[k].handle}`)
    .join(' ');

  for (const vis of VISIBILITIES) {
    const body = `corps-${vis}-q7z`;
    const postId = postIdFrom(await publish(author, 'vis_owner', { body: `${body} pour @vis_mentioned #matrice`, visibility: vis }));
    const authorCommentId = commentIdFrom(await author.submit(`/posts/${postId}/comments`, { body: `commentaire-auteur-${vis} ${everyoneButAuthor}` }, { from: `/posts/${postId}` }));
    const ownerCommentId = commentIdFrom(await owner.submit(`/posts/${postId}/comments`, { body: `commentaire-mur-${vis} @vis_author` }, { from: `/posts/${postId}` }));
    expect((await author.submit(`/posts/${postId}/like`, {}, { from: `/posts/${postId}` })).status).toBe(303);
    expect((await owner.submit(`/comments/${authorCommentId}/like`, {}, { from: `/posts/${postId}` })).status).toBe(303);

    // An original shared while public, then narrowed by its author to this visibility.
    const originalBody = `origine-${vis}-q7z`;
    const originalId = postIdFrom(await publish(author, 'vis_owner', { body: `${originalBody} @vis_mentioned`, visibility: 'public' }));
    const shareId = postIdFrom(await sharerC.submit(`/posts/${originalId}/share`, { body: `relais-${vis}`, visibility: 'public' }, { from: `/posts/${originalId}/share` }));
    const edit = await author.submit(`/posts/${originalId}/edit`, { body: `${originalBody} @vis_mentioned`, visibility: vis }, { from: `/posts/${originalId}/edit` });
    expect(edit.status).toBe(303);

    fixtures[vis] = { postId, body, authorCommentId, ownerCommentId, shareId, originalId, originalBody };
  }
});
afterAll(async () => t.close());

/** canViewPost, written out from the rules above. */
function maySee(vis: Visibility, viewer: ViewerKind): boolean {
  if (viewer === 'pending account') return false;
  if (vis === 'public') return true;
  if (viewer === 'logged out') return false;
  if (viewer === 'author' || viewer === 'wall owner') return true;
  if (vis === 'members') return true;
  if (vis === 'followers') return viewer === 'follower of the author';
  return viewer === 'mentioned member';
}
const shareable = (vis: Visibility) => vis === 'public' || vis === 'members';

/**
 * shown: 200 with the post; hidden: 200 without it; not found: 404; login: sent to the login
 * form; waiting page: the pending account's 403.
 */
type Outcome = 'shown' | 'hidden' | 'not found' | 'login' | 'waiting page';

interface Place {
  name: string;
  path(f: Fixture): string;
  expected(vis: Visibility, viewer: ViewerKind): Outcome;
  /** whether the response shows the thing this place is about */
  shows(res: Response, f: Fixture, viewer: ViewerKind): boolean;
  /** what must be on the page instead, when it is 200 but hides the post */
  whenHidden?(res: Response, f: Fixture): void;
  /** a check in the database that goes with the page (for members who got an answer) */
  database?(f: Fixture, viewer: ViewerKind, visible: boolean): Promise<void>;
}

/** A page anyone may open (a wall, a tag page): 200, with or without the post. */
const listing = (vis: Visibility, viewer: ViewerKind): Outcome => (viewer === 'pending account' ? 'waiting page' : maySee(vis, viewer) ? 'shown' : 'hidden');
/** A page about the post itself: 404 when the viewer may not see it. */
const aboutThePost = (vis: Visibility, viewer: ViewerKind): Outcome => (viewer === 'pending account' ? 'waiting page' : maySee(vis, viewer) ? 'shown' : 'not found');
/** A page for members only: logged out goes to the login form. */
const membersPage = (allowed: (vis: Visibility, viewer: ViewerKind) => boolean) => (vis: Visibility, viewer: ViewerKind): Outcome =>
  viewer === 'logged out' ? 'login' : viewer === 'pending account' ? 'waiting page' : allowed(vis, viewer) ? 'shown' : 'not found';

/** The comment that mentions this viewer (the author is mentioned by the wall owner). */
const mentionOf = (f: Fixture, viewer: ViewerKind) => (viewer === 'author' ? f.ownerCommentId : f.authorCommentId);

const PLACES: Place[] = [
  {
    name: 'permalink /posts/:id',
    path: (f) => `/posts/${f.postId}`,
    expected: aboutThePost,
    shows: (res, f) => res.text.includes(f.body) && res.text.includes(`id="post-${f.postId}"`),
  },
  {
    name: 'wall /@handle',
    path: () => '/@vis_owner',
    expected: listing,
    shows: (res, f) => res.text.includes(`id="post-${f.postId}"`) || res.text.includes(f.body),
    whenHidden: (res) => expect(res.text).toContain('id="wall-title"'),
  },
  {
    name: 'tag page /tags/:tag',
    path: () => '/tags/matrice',
    expected: listing,
    shows: (res, f) => res.text.includes(`id="post-${f.postId}"`) || res.text.includes(f.body),
    whenHidden: (res) => expect(res.text).toContain('#matrice'),
  },
  {
    name: 'likes list /posts/:id/likes',
    path: (f) => `/posts/${f.postId}/likes`,
    expected: aboutThePost,
    shows: (res) => res.text.includes('class="people-list"') && res.text.includes('@vis_author</span>'),
  },
  {
    name: 'share page /posts/:id/share',
    path: (f) => `/posts/${f.postId}/share`,
    expected: membersPage((vis, viewer) => maySee(vis, viewer) && shareable(vis)),
    shows: (res, f) => res.text.includes(`action="/posts/${f.postId}/share"`) && res.text.includes(f.body),
  },
  {
    name: 'comment list on the permalink',
    path: (f) => `/posts/${f.postId}`,
    expected: aboutThePost,
    shows: (res, f) =>
      res.text.includes(`id="comment-${f.authorCommentId}"`) &&
      res.text.includes(`id="comment-${f.ownerCommentId}"`) &&
      res.text.includes(`commentaire-mur-`),
  },
  {
    name: 'comment likes list /comments/:id/likes',
    path: (f) => `/comments/${f.authorCommentId}/likes`,
    expected: aboutThePost,
    shows: (res) => res.text.includes('class="people-list"') && res.text.includes('@vis_owner</span>'),
  },
  {
    name: 'notifications list',
    path: () => '/notifications',
    expected: (vis, viewer) => (viewer === 'logged out' ? 'login' : listing(vis, viewer)),
    shows: (res, f, viewer) =>
      res.text.includes(`href="/posts/${f.postId}#comment-${mentionOf(f, viewer)}"`) &&
      (viewer !== 'mentioned member' || res.text.includes(`href="/posts/${f.postId}"`)),
    whenHidden: (res, f) => {
      expect(res.text).not.toContain(`href="/posts/${f.postId}#`);
      expect(res.text).not.toContain(`href="/posts/${f.postId}"`);
    },
    // Mentions are recorded only for people who may see the post (not merely filtered out later).
    async database(f, viewer, visible) {
      const person = people[viewer as Person];
      // (Mentions only: the author is also told of each comment on their post.)
      const rows = await t.db.selectFrom('notifications').select(['kind', 'comment_id']).where('user_id', '=', person.id).where('post_id', '=', f.postId).where('kind', 'in', ['mention_post', 'mention_comment']).execute();
      const expected = !visible
        ? []
        : [
            { kind: 'mention_comment', comment_id: mentionOf(f, viewer) },
            ...(viewer === 'mentioned member' ? [{ kind: 'mention_post', comment_id: null }] : []),
          ];
      const got = rows.map((r) => ({ kind: r.kind, comment_id: r.comment_id === null ? null : Number(r.comment_id) }));
      expect(got).toHaveLength(expected.length);
      expect(got).toEqual(expect.arrayContaining(expected));
    },
  },
  {
    name: 'share preview (a public share of an original with this visibility)',
    path: (f) => `/posts/${f.shareId}`,
    expected: listing,
    shows: (res, f) => res.text.includes(f.originalBody),
    whenHidden: (res, f) => {
      expect(res.text).toContain(`relais-`);
      expect(res.text).toContain(`id="post-${f.shareId}"`);
      expect(res.text).toContain(msg('posts.sharedUnavailable'));
    },
  },
  {
    // Sharing a share re-shares its original: the page offers the original, or nothing.
    name: 'share page of that share /posts/:shareId/share',
    path: (f) => `/posts/${f.shareId}/share`,
    expected: membersPage((vis, viewer) => maySee(vis, viewer) && shareable(vis)),
    shows: (res, f) => res.text.includes(`action="/posts/${f.originalId}/share"`) && res.text.includes(f.originalBody),
  },
];

const CASES = VISIBILITIES.flatMap((visibility) =>
  VIEWERS.flatMap((viewer) =>
    PLACES.map((spec) => {
      const outcome = spec.expected(visibility, viewer);
      return { title: `${visibility} post × ${viewer} × ${spec.name} → ${outcome}`, visibility, viewer, outcome, spec };
    }),
  ),
);

async function check({ visibility, viewer, outcome, spec }: (typeof CASES)[number]) {
  const f = fixtures[visibility];
  const path = spec.path(f);
  const res = await clients[viewer].get(path);
  switch (outcome) {
    case 'login':
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(path)}`);
      return;
    case 'waiting page':
      expect(res.status).toBe(403);
      expect(res.text).toContain(msg('account.inactive.pending.title'));
      expect(res.text).not.toContain(f.body);
      expect(res.text).not.toContain(f.originalBody);
      return;
    case 'not found':
      expect(res.status).toBe(404);
      expect(res.text).toContain(msg('errors.notFound'));
      expect(res.text).not.toContain(f.body);
      expect(res.text).not.toContain(f.originalBody);
      expect(res.text).not.toContain('commentaire-');
      break;
    case 'shown':
      expect(res.status).toBe(200);
      expect(spec.shows(res, f, viewer)).toBe(true);
      break;
    case 'hidden':
      expect(res.status).toBe(200);
      expect(spec.shows(res, f, viewer)).toBe(false);
      spec.whenHidden?.(res, f);
      break;
  }
  if (spec.database) await spec.database(f, viewer, maySee(visibility, viewer));
}

describe('visibility matrix: visibility × viewer × place', () => {
  for (const c of CASES) it(c.title, () => check(c));
});

describe('mentions in posts whose visibility narrows later', () => {
  it('drops the mention from the list and from the unread count once the member may no longer see the post', async () => {
    const author = clients.author;
    const reader = clients['member who does not follow'];
    await reader.submit('/notifications/read', {}, { from: '/notifications' });
    const postId = postIdFrom(await publish(author, 'vis_author', { body: 'rétrécie @vis_member', visibility: 'members' }));
    const before = await reader.get('/notifications');
    expect(before.text).toContain(`href="/posts/${postId}"`);
    expect(before.text).toContain('badge--count');

    const edit = await author.submit(`/posts/${postId}/edit`, { body: 'rétrécie @vis_member', visibility: 'followers' }, { from: `/posts/${postId}/edit` });
    expect(edit.status).toBe(303);
    expect((await reader.get(`/posts/${postId}`)).status).toBe(404);
    const after = await reader.get('/notifications');
    expect(after.text).not.toContain(`href="/posts/${postId}"`);
    // The badge must not count what the list no longer shows.
    expect(after.text).not.toContain('badge--count');
  });

  it('notifies a member newly mentioned by an edit only when the edited post lets them see it', async () => {
    const author = clients.author;
    const postId = postIdFrom(await publish(author, 'vis_author', { body: 'sans mention', visibility: 'followers' }));
    const edit = await author.submit(`/posts/${postId}/edit`, { body: 'avec @vis_follower et @vis_admin', visibility: 'followers' }, { from: `/posts/${postId}/edit` });
    expect(edit.status).toBe(303);
    const rows = await t.db.selectFrom('notifications').select('user_id').where('post_id', '=', postId).execute();
    expect(rows.map((r) => Number(r.user_id))).toEqual([people['follower of the author'].id]);
    expect((await clients.admin.get('/notifications')).text).not.toContain(`href="/posts/${postId}"`);
    expect((await clients['follower of the author'].get('/notifications')).text).toContain(`href="/posts/${postId}"`);
  });
});

describe('shares of a deleted original', () => {
  it('shows “no longer available” in place of the original, to everyone', async () => {
    const originalId = postIdFrom(await publish(clients.author, 'vis_author', { body: 'éphémère-q7z', visibility: 'public' }));
    const sharerC = await t.loggedIn(sharer.handle);
    const shareId = postIdFrom(await sharerC.submit(`/posts/${originalId}/share`, { body: 'relais-éphémère', visibility: 'public' }, { from: `/posts/${originalId}/share` }));
    expect((await t.client().get(`/posts/${shareId}`)).text).toContain('éphémère-q7z');
    expect((await clients.author.submit(`/posts/${originalId}/delete`, {}, { from: `/posts/${originalId}` })).status).toBe(303);
    for (const viewer of ['logged out', 'member who does not follow', 'author'] as const) {
      const res = await clients[viewer].get(`/posts/${shareId}`);
      expect(res.status).toBe(200);
      expect(res.text).toContain('relais-éphémère');
      expect(res.text).not.toContain('éphémère-q7z');
      expect(res.text).toContain(msg('posts.sharedUnavailable'));
    }
  });
});
