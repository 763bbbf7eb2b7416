// How often one member may publish (posts, shares, comments, and every later kind of writing):
// at most `max` pieces of writing in any sliding window of `windowMs`. Refusals are a
// ValidationError on the form, so the page shows the message next to what the member typed and
// nothing is lost (a 429 page would drop the text). Counts live in this process's memory, like
// the per-IP limits: with several instances behind a proxy a member gets up to that many times
// the limit, which still stops a flood; the new-member delays of moderation are stored rules.
import { ValidationError } from '../errors.ts';
import type { RateLimit } from '../config.ts';

const SWEEP_AT = 10_000;

export interface PostingThrottle {
  /** Records one piece of writing by this member, or throws when they are over the limit. */
  take(memberId: number): void;
}

export function createPostingThrottle(limit: RateLimit, now: () => number = Date.now): PostingThrottle {
  const recent = new Map<number, number[]>();
  return {
    take(memberId) {
      const t = now();
      const since = t - limit.windowMs;
      const times = (recent.get(memberId) ?? []).filter((at) => at > since);
      if (times.length >= limit.max) {
        const seconds = Math.max(1, Math.ceil((times[0]! + limit.windowMs - t) / 1000));
        recent.set(memberId, times);
        throw new ValidationError({ form: { key: 'errors.postingTooFast', params: { seconds } } });
      }
      times.push(t);
      recent.set(memberId, times);
      // Members who stopped writing are forgotten, so the map stays as small as the active crowd.
      if (recent.size > SWEEP_AT) {
        for (const [id, list] of recent) if (list[list.length - 1]! <= since) recent.delete(id);
      }
    },
  };
}
