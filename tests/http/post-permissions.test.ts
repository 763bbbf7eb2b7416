// Who may do what to posts and comments. Every action against every role: an allowed action
// answers 303 and has its effect; a refused one answers 404 (never 403, which would confirm the
// post exists) and changes nothing in the database. Logged out: a form is refused with 401, a page
// sends to the login form. A pending account sees only its waiting page (403).
// Roles are relative to one post: written by "author" on the wall of "wall owner", with a comment
// by "commenter" (who also follows the author), and seen by an unrelated member, a moderator and
// an admin — moderators and admins get no extra rights over posts, except reading revisions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Handlebars from 'handlebars';
import type { Response } from 'supertest';
import { createTestApp, type Client, type TestApp } from '../support/app.ts';
import { createUser } from '../support/factories.ts';
import { translator } from '../../server/i18n/index.ts';
import type { User } from '../../server/db/schema.ts';
import { idFrom } from '../support/social.ts';

const ROLES = ['logged out', 'pending', 'author', 'wall owner', 'commenter', 'other member', 'moderator', 'admin'] as const;
type Role = (typeof ROLES)[number];
type Person = Exclude<Role, 'logged out'>;
const ACTIVE: Role[] = ['author', 'wall owner', 'commenter', 'other member', 'moderator', 'admin'];

const fr = translator('fr');
const msg = (key: string) => Handlebars.escapeExpression(fr(key));

let t: TestApp;
const people = {} as Record<Person, User>;
const clients = {} as Record<Role, Client>;

const submit = async (c: Client, path: string, fields: Record<string, string> = {}) => c.submit(path, fields, { csrf: await c.token() });
const publish = async (c: Client, wall: string, fields: Record<string, string>) => c.submitMultipart(`/@${wall}/posts`, fields, {}, { csrf: await c.token() });


beforeAll(async () => {
  t = await createTestApp();
  people.pending = await createUser(t.db, { handle: 'perm_pending', status: 'pending' });
  people.author = await createUser(t.db, { handle: 'perm_author', displayName: 'Autrice' });
  people['wall owner'] = await createUser(t.db, { handle: 'perm_owner', displayName: 'Propriétaire' });
  people.commenter = await createUser(t.db, { handle: 'perm_commenter', displayName: 'Commentatrice' });
  people['other member'] = await createUser(t.db, { handle: 'perm_other', displayName: 'Autre Membre' });
  people.moderator = await createUser(t.db, { handle: 'perm_mod', role: 'moderator' });
  people.admin = await createUser(t.db, { handle: 'perm_admin', role: 'admin' });
  await t.db.insertInto('follows').values({ follower_id: people.commenter.id, followee_id: people.author.id }).execute();
  clients['logged out'] = t.client();
  for (const role of ROLES) {
    if (role === 'logged out') continue;
    clients[role] = await t.loggedIn(people[role].handle);
  }
});
afterAll(async () => t.close());

interface Fixture {
  postId: number;
  commentId: number;
}

/** A post by the author on the wall owner's wall, edited once, with the commenter's comment. */
async function newFixture(visibility: 'public' | 'followers' = 'public'): Promise<Fixture> {
  const postId = idFrom(await publish(clients.author, 'perm_owner', { body: 'Premier jet', visibility }), 'post');
  expect((await submit(clients.author, `/posts/${postId}/edit`, { body: 'Version corrigée', visibility })).status).toBe(303);
  const commentId = idFrom(await submit(clients.commenter, `/posts/${postId}/comments`, { body: 'Commentaire de départ' }), 'comment');
  return { postId, commentId };
}

/** Everything an action on a post or its comment could change. */
async function snapshot(f: Fixture) {
  const db = t.db;
  const count = async (q: { execute(): Promise<unknown[]> }) => (await q.execute()).length;
  return {
    post: (await db.selectFrom('posts').select(['body', 'visibility', 'edited_at', 'like_count', 'comment_count', 'share_count']).where('id', '=', f.postId).executeTakeFirst()) ?? null,
    comment: (await db.selectFrom('comments').select(['body', 'edited_at', 'like_count']).where('id', '=', f.commentId).executeTakeFirst()) ?? null,
    posts: await count(db.selectFrom('posts').select('id')),
    comments: await count(db.selectFrom('comments').select('id')),
    postLikes: await count(db.selectFrom('post_likes').select('user_id')),
    commentLikes: await count(db.selectFrom('comment_likes').select('user_id')),
    revisions: await count(db.selectFrom('post_revisions').select('id')),
    notifications: await count(db.selectFrom('notifications').select('id')),
    postCounts: await db.selectFrom('profiles').select(['user_id', 'post_count']).orderBy('user_id').execute(),
  };
}

const postRow = (id: number) => t.db.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirst();
const commentRow = (id: number) => t.db.selectFrom('comments').selectAll().where('id', '=', id).executeTakeFirst();
const postCount = async (user: User) => (await t.db.selectFrom('profiles').select('post_count').where('user_id', '=', user.id).executeTakeFirstOrThrow()).post_count;

interface Action {
  name: string;
  method: 'GET' | 'POST';
  visibility?: 'public' | 'followers';
  /** roles for which the action succeeds (200 for a page, 303 for a form) */
  allowed: Role[];
  path(f: Fixture): string;
  fields?: (role: Role) => Record<string, string>;
  multipart?: boolean;
  /** for a page that opens: what it must show */
  pageShows?: string;
  /** for a form that succeeds: its effect is in the database (checked after the request) */
  done?(f: Fixture, user: User, before: Awaited<ReturnType<typeof snapshot>>): Promise<void>;
}

const ACTIONS: Action[] = [
  { name: 'open the edit page of a post', method: 'GET', allowed: ['author'], path: (f) => `/posts/${f.postId}/edit`, pageShows: 'Version corrigée' },
  {
    name: 'edit a post',
    method: 'POST',
    allowed: ['author'],
    path: (f) => `/posts/${f.postId}/edit`,
    fields: (role) => ({ body: `Réécrit par ${role}`, visibility: 'members' }),
    async done(f, _user, before) {
      const p = (await postRow(f.postId))!;
      expect(p.body).toBe('Réécrit par author');
      expect(p.visibility).toBe('members');
      expect((await snapshot(f)).revisions).toBe(before.revisions + 1);
    },
  },
  {
    name: 'delete a post',
    method: 'POST',
    allowed: ['author', 'wall owner'],
    path: (f) => `/posts/${f.postId}/delete`,
    async done(f, _user, before) {
      expect(await postRow(f.postId)).toBeUndefined();
      expect(await commentRow(f.commentId)).toBeUndefined();
      expect(await postCount(people.author)).toBe(before.postCounts.find((r) => Number(r.user_id) === people.author.id)!.post_count - 1);
    },
  },
  { name: 'see the revisions of a post', method: 'GET', allowed: ['author', 'moderator', 'admin'], path: (f) => `/posts/${f.postId}/revisions`, pageShows: 'Premier jet' },
  {
    name: 'like a post',
    method: 'POST',
    allowed: ACTIVE,
    path: (f) => `/posts/${f.postId}/like`,
    async done(f, user, before) {
      expect(await t.db.selectFrom('post_likes').select('user_id').where('post_id', '=', f.postId).where('user_id', '=', user.id).executeTakeFirst()).toBeDefined();
      expect((await postRow(f.postId))!.like_count).toBe(before.post!.like_count + 1);
    },
  },
  { name: 'open the share page of a post', method: 'GET', allowed: ACTIVE, path: (f) => `/posts/${f.postId}/share`, pageShows: 'Version corrigée' },
  {
    name: 'share a post',
    method: 'POST',
    allowed: ACTIVE,
    path: (f) => `/posts/${f.postId}/share`,
    fields: () => ({ body: 'À relayer', visibility: 'members' }),
    async done(f, user, before) {
      const share = await t.db.selectFrom('posts').selectAll().where('shared_post_id', '=', f.postId).where('author_id', '=', user.id).executeTakeFirst();
      expect(share?.wall_owner_id).toBe(user.id);
      expect((await postRow(f.postId))!.share_count).toBe(before.post!.share_count + 1);
    },
  },
  {
    name: 'comment on a post',
    method: 'POST',
    allowed: ACTIVE,
    path: (f) => `/posts/${f.postId}/comments`,
    fields: (role) => ({ body: `Un mot de ${role}` }),
    async done(f, user, before) {
      expect(await t.db.selectFrom('comments').select('id').where('post_id', '=', f.postId).where('author_id', '=', user.id).executeTakeFirst()).toBeDefined();
      expect((await postRow(f.postId))!.comment_count).toBe(before.post!.comment_count + 1);
    },
  },
  { name: 'open the edit page of a comment', method: 'GET', allowed: ['commenter'], path: (f) => `/comments/${f.commentId}/edit`, pageShows: 'Commentaire de départ' },
  {
    name: 'edit a comment',
    method: 'POST',
    allowed: ['commenter'],
    path: (f) => `/comments/${f.commentId}/edit`,
    fields: (role) => ({ body: `Corrigé par ${role}` }),
    async done(f) {
      const c = (await commentRow(f.commentId))!;
      expect(c.body).toBe('Corrigé par commenter');
      expect(c.edited_at).not.toBeNull();
    },
  },
  {
    name: 'delete a comment',
    method: 'POST',
    allowed: ['commenter', 'author'],
    path: (f) => `/comments/${f.commentId}/delete`,
    async done(f, _user, before) {
      expect(await commentRow(f.commentId)).toBeUndefined();
      expect((await postRow(f.postId))!.comment_count).toBe(before.post!.comment_count - 1);
    },
  },
  {
    name: 'like a comment',
    method: 'POST',
    allowed: ACTIVE,
    path: (f) => `/comments/${f.commentId}/like`,
    async done(f, user, before) {
      expect(await t.db.selectFrom('comment_likes').select('user_id').where('comment_id', '=', f.commentId).where('user_id', '=', user.id).executeTakeFirst()).toBeDefined();
      expect((await commentRow(f.commentId))!.like_count).toBe(before.comment!.like_count + 1);
    },
  },
  {
    name: 'write on the wall owner’s wall (open to everyone)',
    method: 'POST',
    multipart: true,
    allowed: ACTIVE,
    path: () => '/@perm_owner/posts',
    fields: (role) => ({ body: `Mot de ${role} sur le mur`, visibility: 'members' }),
    async done(_f, user) {
      const p = await t.db.selectFrom('posts').select(['wall_owner_id']).where('author_id', '=', user.id).where('body', 'like', '% sur le mur').executeTakeFirst();
      expect(p?.wall_owner_id).toBe(people['wall owner'].id);
    },
  },
  // The same actions on a followers-only post: only those who may see it (the author, the wall
  // owner, the commenter who follows the author) may act; moderators and admins may not.
  {
    name: 'like a followers-only post',
    method: 'POST',
    visibility: 'followers',
    allowed: ['author', 'wall owner', 'commenter'],
    path: (f) => `/posts/${f.postId}/like`,
    async done(f, user) {
      expect(await t.db.selectFrom('post_likes').select('user_id').where('post_id', '=', f.postId).where('user_id', '=', user.id).executeTakeFirst()).toBeDefined();
    },
  },
  {
    name: 'comment on a followers-only post',
    method: 'POST',
    visibility: 'followers',
    allowed: ['author', 'wall owner', 'commenter'],
    path: (f) => `/posts/${f.postId}/comments`,
    fields: (role) => ({ body: `Un mot de ${role}` }),
    async done(f, user) {
      expect(await t.db.selectFrom('comments').select('id').where('post_id', '=', f.postId).where('author_id', '=', user.id).where('body', 'like', 'Un mot de %').executeTakeFirst()).toBeDefined();
    },
  },
  {
    name: 'like a comment under a followers-only post',
    method: 'POST',
    visibility: 'followers',
    allowed: ['author', 'wall owner', 'commenter'],
    path: (f) => `/comments/${f.commentId}/like`,
    async done(f, user) {
      expect(await t.db.selectFrom('comment_likes').select('user_id').where('comment_id', '=', f.commentId).where('user_id', '=', user.id).executeTakeFirst()).toBeDefined();
    },
  },
  { name: 'share a followers-only post', method: 'POST', visibility: 'followers', allowed: [], path: (f) => `/posts/${f.postId}/share`, fields: () => ({ body: '', visibility: 'public' }) },
  { name: 'open the share page of a followers-only post', method: 'GET', visibility: 'followers', allowed: [], path: (f) => `/posts/${f.postId}/share` },
  { name: 'see the revisions of a followers-only post', method: 'GET', visibility: 'followers', allowed: ['author'], path: (f) => `/posts/${f.postId}/revisions` },
  {
    name: 'delete a comment under a followers-only post',
    method: 'POST',
    visibility: 'followers',
    allowed: ['commenter', 'author'],
    path: (f) => `/comments/${f.commentId}/delete`,
    async done(f) {
      expect(await commentRow(f.commentId)).toBeUndefined();
    },
  },
];

/** What each role gets: success for the allowed roles, 404 for other members, and the two refusals before any lookup. */
function expectedStatus(action: Action, role: Role): number {
  if (role === 'logged out') return action.method === 'GET' ? 303 : 401;
  if (role === 'pending') return 403;
  if (action.allowed.includes(role)) return action.method === 'GET' ? 200 : 303;
  return 404;
}

const CASES = ACTIONS.flatMap((action) =>
  ROLES.map((role) => {
    const status = expectedStatus(action, role);
    return { title: `${action.name} × ${role} → ${status}`, action, role, status };
  }),
);

describe('actions on posts and comments, by role', () => {
  for (const { title, action, role, status } of CASES) {
    it(title, async () => {
      const f = await newFixture(action.visibility);
      const path = action.path(f);
      const client = clients[role];
      const before = await snapshot(f);
      let res: Response;
      if (action.method === 'GET') res = await client.get(path);
      else if (action.multipart) res = await client.submitMultipart(path, action.fields?.(role) ?? {}, {}, { csrf: await client.token() });
      else res = await submit(client, path, action.fields?.(role) ?? {});

      expect(res.status).toBe(status);
      if (status === 303 && action.method === 'GET') expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(path)}`);
      if (status === 401) expect(res.text).toContain(msg('errors.loginRequired'));
      if (status === 403) expect(res.text).toContain(msg('account.inactive.pending.title'));
      if (status === 404) expect(res.text).toContain(msg('errors.notFound'));
      if (status === 200 && action.pageShows) expect(res.text).toContain(action.pageShows);

      if (action.method === 'POST' && status === 303) await action.done!(f, people[role as Person], before);
      else expect(await snapshot(f)).toEqual(before);
    });
  }
});

describe('wall policies', () => {
  let owner: User;
  let followed: User;
  let stranger: User;
  let fan: User;
  const writers = {} as Record<'owner' | 'followed member' | 'stranger' | 'follower of the owner (not followed back)', { user: User; client: Client }>;

  beforeAll(async () => {
    owner = await createUser(t.db, { handle: 'wp_owner' });
    followed = await createUser(t.db, { handle: 'wp_followed' });
    stranger = await createUser(t.db, { handle: 'wp_stranger' });
    fan = await createUser(t.db, { handle: 'wp_fan' });
    await t.db
      .insertInto('follows')
      .values([
        { follower_id: owner.id, followee_id: followed.id },
        { follower_id: fan.id, followee_id: owner.id },
      ])
      .execute();
    const entries = [
      ['owner', owner],
      ['followed member', followed],
      ['stranger', stranger],
      ['follower of the owner (not followed back)', fan],
    ] as const;
    for (const [name, user] of entries) {
      const client = await t.loggedIn(user.handle);
      writers[name] = { user, client };
    }
  });

  const POLICY_CASES = (
    [
      ['everyone', 'owner', true],
      ['everyone', 'followed member', true],
      ['everyone', 'stranger', true],
      ['everyone', 'follower of the owner (not followed back)', true],
      ['following', 'owner', true],
      ['following', 'followed member', true],
      ['following', 'stranger', false],
      ['following', 'follower of the owner (not followed back)', false],
      ['nobody', 'owner', true],
      ['nobody', 'followed member', false],
      ['nobody', 'stranger', false],
      ['nobody', 'follower of the owner (not followed back)', false],
    ] as const
  ).map(([policy, writer, allowed]) => ({ policy, writer, allowed, title: `wall open to “${policy}”: ${writer} ${allowed ? 'may write (303)' : 'is refused (422, nothing written)'}` }));

  for (const { policy, writer, allowed, title } of POLICY_CASES) {
    it(title, async () => {
      await t.db.updateTable('profiles').set({ wall_policy: policy }).where('user_id', '=', owner.id).execute();
      const { user, client } = writers[writer];
      // The composer is offered exactly to those who may write.
      const profile = await client.get('/@wp_owner');
      expect(profile.status).toBe(200);
      expect(profile.text.includes('action="/@wp_owner/posts"')).toBe(allowed);
      const composer = await client.get('/@wp_owner/posts/new');
      expect(composer.text.includes('action="/@wp_owner/posts"')).toBe(allowed);

      const body = `Écrit par ${writer} quand le mur est ${policy}`;
      const before = await t.db.selectFrom('posts').select('id').where('wall_owner_id', '=', owner.id).execute();
      const writerPostsBefore = await postCount(user);
      const res = await client.submitMultipart('/@wp_owner/posts', { body, visibility: 'members' }, {}, { from: '/@wp_owner' });
      const after = await t.db.selectFrom('posts').select(['author_id', 'body']).where('wall_owner_id', '=', owner.id).execute();
      if (allowed) {
        expect(res.status).toBe(303);
        expect(after).toHaveLength(before.length + 1);
        expect(after).toContainEqual({ author_id: user.id, body });
        expect(await postCount(user)).toBe(writerPostsBefore + 1);
      } else {
        expect(res.status).toBe(422);
        expect(res.text).toContain(msg('posts.errors.wallClosed'));
        expect(after).toHaveLength(before.length);
        expect(await postCount(user)).toBe(writerPostsBefore);
      }
    });
  }
});

describe('forms from elsewhere are refused before anything is written', () => {
  it('refuses a like without a CSRF token (403) and records no like', async () => {
    const f = await newFixture();
    const before = await snapshot(f);
    const res = await clients['other member'].submit(`/posts/${f.postId}/like`, {}, { csrf: null });
    expect(res.status).toBe(403);
    expect(res.text).toContain(msg('errors.csrf'));
    expect(await snapshot(f)).toEqual(before);
  });

  it('refuses a comment posted from another origin (403) and writes no comment', async () => {
    const f = await newFixture();
    const before = await snapshot(f);
    const res = await clients['other member'].submit(`/posts/${f.postId}/comments`, { body: 'venu d’ailleurs' }, { csrf: await clients['other member'].token(), origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(res.text).toContain(msg('errors.badOrigin'));
    expect(await snapshot(f)).toEqual(before);
  });

  it('refuses deleting a comment with neither Origin nor Referer (403) and keeps it', async () => {
    const f = await newFixture();
    const before = await snapshot(f);
    const res = await clients.commenter.submit(`/comments/${f.commentId}/delete`, {}, { csrf: await clients.commenter.token(), origin: null });
    expect(res.status).toBe(403);
    expect(await snapshot(f)).toEqual(before);
  });

  it('refuses deleting a post with a token from another session (403) and keeps the post', async () => {
    const f = await newFixture();
    const before = await snapshot(f);
    const res = await clients.author.submit(`/posts/${f.postId}/delete`, {}, { csrf: await clients.admin.token() });
    expect(res.status).toBe(403);
    expect(res.text).toContain(msg('errors.csrf'));
    expect(await snapshot(f)).toEqual(before);
  });

  it('refuses an upload form (a wall post) without a CSRF token (403) and publishes nothing', async () => {
    const f = await newFixture();
    const before = await snapshot(f);
    const res = await clients.author.submitMultipart('/@perm_owner/posts', { body: 'sans jeton', visibility: 'public' }, {}, { csrf: null });
    expect(res.status).toBe(403);
    expect(await snapshot(f)).toEqual(before);
  });
});
