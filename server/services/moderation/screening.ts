// What happens to a piece of writing before it is published: the new-member rules (minimum delay
// between writings, no links, first posts held) for members who joined less than the configured
// days ago and are not trusted, then the admins' watched words (block with a message, hold for
// approval, flag to the queue, replace). Refusals are ValidationErrors, so the form shows the
// message with the text kept. Comments, topics and their replies cannot be held: "hold" flags them instead.
import { ValidationError } from '../../errors.ts';
import type { Executor } from '../../db/executor.ts';
import type { Post, WatchedAction } from '../../db/schema.ts';
import { countPostsBy, getModerationSettings, lastWritingAt, listWatchedWords, openCase } from '../../repos/moderation.ts';
import { findUserById } from '../../repos/users.ts';

const DAY_MS = 86_400_000;
const LINK = /\bhttps?:\/\/|\bwww\.[^\s.]+\.|\]\(/i;

export interface WatchedWord {
  pattern: string;
  is_regex: boolean;
  action: WatchedAction;
  replacement: string;
}

export interface Screened {
  body: string;
  hold: boolean;
  /** the watched patterns that flag this writing to the queue */
  flags: string[];
}

/** The watched word as a global, case-insensitive expression (whole words for plain entries). */
export function watchedExpression(w: Pick<WatchedWord, 'pattern' | 'is_regex'>): RegExp | null {
  try {
    if (w.is_regex) return new RegExp(w.pattern, 'giu');
    const escaped = w.pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, 'giu');
  } catch {
    return null;
  }
}

/** What each watched word would do to a text: the test box and the real check share this. */
export function matchWatched(words: readonly WatchedWord[], text: string): { word: WatchedWord; match: string }[] {
  const found: { word: WatchedWord; match: string }[] = [];
  for (const word of words) {
    const re = watchedExpression(word);
    const m = re ? re.exec(text) : null;
    if (m) found.push({ word, match: m[0] });
  }
  return found;
}

export function applyWatched(words: readonly WatchedWord[], text: string, kind: 'post' | 'comment'): Screened {
  let body = text;
  let hold = false;
  const flags: string[] = [];
  for (const { word, match } of matchWatched(words, text)) {
    if (word.action === 'block') throw new ValidationError({ body: { key: 'moderation.words.blocked', params: { word: match } } });
    if (word.action === 'replace') body = body.replace(watchedExpression(word)!, word.replacement);
    else if (word.action === 'hold' && kind === 'post') hold = true;
    else flags.push(word.pattern);
  }
  return { body, hold, flags };
}

export async function screenWriting(db: Executor, authorId: number, text: string, kind: 'post' | 'comment', now: Date): Promise<Screened> {
  const [settings, author, words] = await Promise.all([getModerationSettings(db), findUserById(db, authorId), listWatchedWords(db)]);
  let hold = false;
  const isNew = !!author && author.role === 'member' && !author.trusted_at && settings.new_member_days > 0 && author.created_at.getTime() > now.getTime() - settings.new_member_days * DAY_MS;
  if (isNew) {
    if (settings.new_member_min_seconds > 0) {
      const last = await lastWritingAt(db, authorId);
      const wait = last ? Math.ceil((last.getTime() + settings.new_member_min_seconds * 1000 - now.getTime()) / 1000) : 0;
      if (wait > 0) throw new ValidationError({ form: { key: 'moderation.safety.tooSoon', params: { seconds: wait } } });
    }
    if (settings.new_member_no_links && LINK.test(text)) throw new ValidationError({ body: { key: 'moderation.safety.noLinks', params: { days: settings.new_member_days } } });
    if (kind === 'post' && settings.new_member_held_posts > 0 && (await countPostsBy(db, authorId)) < settings.new_member_held_posts) hold = true;
  }
  const screened = applyWatched(words, text, kind);
  return { ...screened, hold: hold || screened.hold };
}

/** After the writing is stored (in its transaction): a case for each flag. */
export async function flagWriting(trx: Executor, target: { kind: 'post' | 'comment' | 'topic' | 'topic_reply'; id: number; authorId: number; authorHandle: string; body: string; url: string }, flags: string[]): Promise<void> {
  if (!flags.length) return;
  await openCase(trx, {
    targetKind: target.kind,
    targetId: target.id,
    origin: 'flag',
    subjectUserId: target.authorId,
    snapshot: { kind: target.kind, authorId: target.authorId, authorHandle: target.authorHandle, body: target.body, url: target.url, flags },
  });
}

export type { Post };
