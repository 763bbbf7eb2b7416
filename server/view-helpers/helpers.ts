// Template helpers. The locale comes from the root context ({{t}} inside any partial works).
import { randomBytes } from 'node:crypto';
import type { HelperOptions } from 'handlebars';
import { translator } from '../i18n/index.ts';
import { isLocale } from '../i18n/index.ts';
import type { Locale } from '../config.ts';

type Hbs = typeof import('handlebars');

function localeOf(options: HelperOptions): Locale {
  const root = (options.data as { root?: { locale?: unknown } } | undefined)?.root;
  return isLocale(root?.locale) ? root.locale : 'fr';
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(locale: Locale, style: 'short' | 'medium' | 'long'): Intl.DateTimeFormat {
  const key = `${locale}:${style}`;
  let f = dateFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', {
      dateStyle: style === 'short' ? 'short' : style === 'medium' ? 'medium' : 'long',
      timeStyle: 'short',
      timeZone: 'Europe/Paris',
    });
    dateFormats.set(key, f);
  }
  return f;
}

export function formatDate(value: unknown, locale: Locale, style: 'short' | 'medium' | 'long' = 'medium'): string {
  const date = value instanceof Date ? value : typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) return '';
  return dateFormat(locale, style).format(date);
}

// ---- fragments ---------------------------------------------------------------------------
// `{{#fragment owner part…}}…{{/fragment}}` renders its block once per owner object, locale and
// parts, and serves it again while the owner object lives. Owners are rows held by the content
// cache (server/services/content-cache.ts): when a change invalidates them the next request gets
// new row objects, so a fragment can never outlive the data it shows. The parts must name
// everything else the block depends on (the viewer's flags: liked, may edit…). Inside a fragment
// only the context, the locale, @root.csrfToken and @root.currentPath may be used: the last two
// differ per request and are rendered as slots, filled in on the way out.
//
// Pages rendered to bytes (renderer.pageBytes) go further: a fragment keeps its UTF-8 bytes too,
// and the page holds only a reference to it, replaced by those bytes (slots filled) when the page
// is written out. Encoding a page costs about as much as rendering it (its thousands of pieces
// are joined, then encoded); this way only what is particular to the request is encoded. A
// fragment inside another one is part of the outer one's bytes.
const FRAGMENT_CSRF = `fragment-csrf-${randomBytes(9).toString('hex')}`;
const FRAGMENT_PATH = `fragment-path-${randomBytes(9).toString('hex')}`;
const FRAGMENT_REF = `\u0000fragment-${randomBytes(9).toString('hex')}-`;
const FRAGMENT_VARIANTS_MAX = 32;

type Slot = 'csrf' | 'path';

interface Fragment {
  html: string;
  /** the bytes between slots, and which slot follows each (one fewer than the pieces) */
  bytes?: { pieces: Buffer[]; slots: Slot[] };
}

/** Where a page rendered to bytes collects the fragments it refers to (renderer.pageBytes). */
export const FRAGMENT_SINK = Symbol('fragment sink');
export type FragmentSink = Fragment[];

const fragments = new WeakMap<object, Map<string, Fragment>>();
/** > 0 while a fragment is being rendered: fragments inside it are inlined into its HTML */
let rendering = 0;

function bytesOf(fragment: Fragment): { pieces: Buffer[]; slots: Slot[] } {
  if (!fragment.bytes) {
    const pieces: Buffer[] = [];
    const slots: Slot[] = [];
    let at = 0;
    const slotPattern = new RegExp(`${FRAGMENT_CSRF}|${FRAGMENT_PATH}`, 'g');
    for (const m of fragment.html.matchAll(slotPattern)) {
      pieces.push(Buffer.from(fragment.html.slice(at, m.index), 'utf8'));
      slots.push(m[0] === FRAGMENT_CSRF ? 'csrf' : 'path');
      at = m.index + m[0].length;
    }
    pieces.push(Buffer.from(fragment.html.slice(at), 'utf8'));
    fragment.bytes = { pieces, slots };
  }
  return fragment.bytes;
}

/**
 * The bytes of a page rendered with a fragment sink: its own text encoded, each fragment
 * reference replaced by the fragment's bytes with the request's CSRF token and path in the slots.
 */
export function pageBytes(html: string, sink: FragmentSink, root: { csrfToken?: unknown; currentPath?: unknown }, escape: (s: string) => string): Buffer {
  if (!sink.length) return Buffer.from(html, 'utf8');
  const fill: Record<Slot, Buffer> = {
    csrf: Buffer.from(escape(String(root.csrfToken ?? '')), 'utf8'),
    path: Buffer.from(escape(String(root.currentPath ?? '')), 'utf8'),
  };
  const out: Buffer[] = [];
  let at = 0;
  let total = 0;
  const add = (b: Buffer) => {
    out.push(b);
    total += b.length;
  };
  for (let i = html.indexOf(FRAGMENT_REF); i !== -1; i = html.indexOf(FRAGMENT_REF, at)) {
    const end = html.indexOf('\u0000', i + FRAGMENT_REF.length);
    const fragment = sink[Number(html.slice(i + FRAGMENT_REF.length, end))]!;
    add(Buffer.from(html.slice(at, i), 'utf8'));
    const { pieces, slots } = bytesOf(fragment);
    for (let k = 0; k < pieces.length; k++) {
      add(pieces[k]!);
      if (k < slots.length) add(fill[slots[k]!]);
    }
    at = end + 1;
  }
  add(Buffer.from(html.slice(at), 'utf8'));
  return Buffer.concat(out, total);
}

function fragmentHelper(hbs: Hbs) {
  return function (this: unknown, ...args: unknown[]) {
    const options = args.pop() as HelperOptions;
    const [owner, ...parts] = args;
    if (!owner || typeof owner !== 'object') return options.fn(this);
    const root = ((options.data as { root?: Record<string | symbol, unknown> } | undefined)?.root ?? {}) as Record<string | symbol, unknown>;
    const key = `${String(root.locale)}|${parts.map(String).join('|')}`;
    let byKey = fragments.get(owner);
    if (!byKey) fragments.set(owner, (byKey = new Map()));
    let fragment = byKey.get(key);
    if (fragment === undefined) {
      // Many viewers with different flags on one owner (a list's variant names each item's):
      // keep the latest few renderings rather than one per viewer.
      if (byKey.size >= FRAGMENT_VARIANTS_MAX) byKey.clear();
      const data = hbs.createFrame(options.data);
      data.root = { ...root, csrfToken: FRAGMENT_CSRF, currentPath: FRAGMENT_PATH };
      rendering += 1;
      try {
        fragment = { html: options.fn(this, { data }) };
      } finally {
        rendering -= 1;
      }
      byKey.set(key, fragment);
    }
    const sink = root[FRAGMENT_SINK] as FragmentSink | undefined;
    if (sink && rendering === 0) {
      sink.push(fragment);
      return `${FRAGMENT_REF}${sink.length - 1}\u0000`;
    }
    return fragment.html.replaceAll(FRAGMENT_CSRF, hbs.escapeExpression(String(root.csrfToken ?? ''))).replaceAll(FRAGMENT_PATH, hbs.escapeExpression(String(root.currentPath ?? '')));
  };
}

export function registerHelpers(hbs: Hbs): void {
  hbs.registerHelper('fragment', fragmentHelper(hbs));
  hbs.registerHelper('t', function (key: unknown, options: HelperOptions) {
    return translator(localeOf(options))(String(key), options.hash as Record<string, unknown>);
  });
  hbs.registerHelper('formatDate', function (value: unknown, options: HelperOptions) {
    const style = options.hash?.style;
    return formatDate(value, localeOf(options), style === 'short' || style === 'long' ? style : 'medium');
  });
  hbs.registerHelper('isoDate', (value: unknown) => (value instanceof Date ? value.toISOString() : ''));
  hbs.registerHelper('formatNumber', function (value: unknown, options: HelperOptions) {
    return typeof value === 'number' ? value.toLocaleString(localeOf(options) === 'fr' ? 'fr-FR' : 'en-GB') : '';
  });
  hbs.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).map(String).join(''));
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('not', (a: unknown) => !a);
  hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hbs.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
}
