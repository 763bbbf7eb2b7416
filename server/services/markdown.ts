// The Markdown subset members write in posts and comments, rendered once at write time.
// Allowed: paragraphs, line breaks, emphasis, links, lists, quotes, inline code. Raw HTML is
// escaped (markdown-it with html: false), images and headings are not parsed, and a link may
// only point to http, https or mailto: any other scheme (javascript:, data:, …) is refused with a
// message rather than silently dropped. Links get rel="nofollow ugc noopener".
// @handle becomes a link to the profile when that member exists; #mot (accents allowed) a link
// to the tag page. Neither is recognised inside code or inside a link's text.
import MarkdownIt, { type StateCore, type Token } from 'markdown-it';

const ALLOWED_SCHEME = /^(https?:|mailto:)/i;
export const MENTION = /(^|[^\p{L}\p{N}_@/])@([A-Za-z0-9_]{3,30})(?![A-Za-z0-9_])/gu;
export const HASHTAG = /(^|[^\p{L}\p{N}_&#/])#(\p{L}[\p{L}\p{N}_]{0,49})/gu;

export interface RenderResult {
  html: string;
  /** lower-cased handles that became links */
  mentions: string[];
  /** lower-cased tags */
  tags: string[];
  /** links refused because of their scheme */
  refusedLinks: string[];
}

interface Env {
  known: Map<string, string>;
  mentions: Set<string>;
  tags: Set<string>;
  refused: string[];
}

export function normaliseTag(tag: string): string {
  return tag.normalize('NFC').toLocaleLowerCase('fr');
}

/** Whether a normalised tag is one a text could carry (what HASHTAG captures after the #). */
export function isTag(tag: string): boolean {
  return /^\p{L}[\p{L}\p{N}_]{0,49}$/u.test(tag);
}

/** Handles that may be mentioned in a text, to look up before rendering it. */
export function mentionCandidates(source: string): string[] {
  return [...new Set([...source.matchAll(MENTION)].map((m) => m[2]!.toLowerCase()))].slice(0, 50);
}

const md = new MarkdownIt('zero', { html: false, breaks: true, linkify: true });
md.enable(['blockquote', 'list', 'emphasis', 'link', 'autolink', 'backticks', 'newline', 'escape', 'linkify']);

let currentEnv: Env | undefined;
md.validateLink = (url: string) => {
  const ok = ALLOWED_SCHEME.test(url.trim());
  if (!ok) currentEnv?.refused.push(url.slice(0, 100));
  return ok;
};

const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  if (!token.attrGet('class')) token.attrSet('rel', 'nofollow ugc noopener');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

function linkTokens(state: StateCore, href: string, text: string, cls: string): Token[] {
  const open = new state.Token('link_open', 'a', 1);
  open.attrs = [['href', href], ['class', cls]];
  const body = new state.Token('text', '', 0);
  body.content = text;
  const close = new state.Token('link_close', 'a', -1);
  return [open, body, close];
}

// Splits text tokens (outside links and code) into text, mention links and tag links.
md.core.ruler.push('entraide_mentions_tags', (state) => {
  const env = state.env as unknown as Env;
  for (const block of state.tokens) {
    if (block.type !== 'inline' || !block.children) continue;
    const out: Token[] = [];
    let insideLink = 0;
    for (const token of block.children) {
      if (token.type === 'link_open') insideLink++;
      if (token.type === 'link_close') insideLink--;
      if (token.type !== 'text' || insideLink > 0) {
        out.push(token);
        continue;
      }
      const text = token.content;
      const pieces: { index: number; length: number; tokens: Token[] }[] = [];
      for (const m of text.matchAll(MENTION)) {
        const canonical = env.known.get(m[2]!.toLowerCase());
        if (!canonical) continue;
        env.mentions.add(canonical.toLowerCase());
        const start = m.index + m[1]!.length;
        pieces.push({ index: start, length: m[2]!.length + 1, tokens: linkTokens(state, `/@${canonical}`, `@${canonical}`, 'mention') });
      }
      for (const m of text.matchAll(HASHTAG)) {
        const tag = normaliseTag(m[2]!);
        env.tags.add(tag);
        const start = m.index + m[1]!.length;
        pieces.push({ index: start, length: m[2]!.length + 1, tokens: linkTokens(state, `/tags/${encodeURIComponent(tag)}`, `#${m[2]}`, 'hashtag') });
      }
      if (pieces.length === 0) {
        out.push(token);
        continue;
      }
      pieces.sort((a, b) => a.index - b.index);
      let at = 0;
      for (const p of pieces) {
        if (p.index < at) continue;
        if (p.index > at) {
          const t = new state.Token('text', '', 0);
          t.content = text.slice(at, p.index);
          out.push(t);
        }
        out.push(...p.tokens);
        at = p.index + p.length;
      }
      if (at < text.length) {
        const t = new state.Token('text', '', 0);
        t.content = text.slice(at);
        out.push(t);
      }
    }
    block.children = out;
  }
});

/** `known`: lower-cased handle → handle as written, for members that exist. */
export function renderMarkdown(source: string, known: Map<string, string> = new Map()): RenderResult {
  const env: Env = { known, mentions: new Set(), tags: new Set(), refused: [] };
  currentEnv = env;
  try {
    const html = md.render(source.replace(/\r\n?/g, '\n'), env as unknown as Record<string, unknown>);
    return { html, mentions: [...env.mentions], tags: [...env.tags].slice(0, 30), refusedLinks: env.refused };
  } finally {
    currentEnv = undefined;
  }
}
