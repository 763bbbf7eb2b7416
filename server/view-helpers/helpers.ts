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
const FRAGMENT_CSRF = `fragment-csrf-${randomBytes(9).toString('hex')}`;
const FRAGMENT_PATH = `fragment-path-${randomBytes(9).toString('hex')}`;
const fragments = new WeakMap<object, Map<string, string>>();

function fragmentHelper(hbs: Hbs) {
  return function (this: unknown, ...args: unknown[]) {
    const options = args.pop() as HelperOptions;
    const [owner, ...parts] = args;
    if (!owner || typeof owner !== 'object') return options.fn(this);
    const root = ((options.data as { root?: Record<string, unknown> } | undefined)?.root ?? {}) as Record<string, unknown>;
    const key = `${String(root.locale)}|${parts.map(String).join('|')}`;
    let byKey = fragments.get(owner);
    if (!byKey) fragments.set(owner, (byKey = new Map()));
    let html = byKey.get(key);
    if (html === undefined) {
      const data = hbs.createFrame(options.data);
      data.root = { ...root, csrfToken: FRAGMENT_CSRF, currentPath: FRAGMENT_PATH };
      html = options.fn(this, { data });
      byKey.set(key, html);
    }
    return html.replaceAll(FRAGMENT_CSRF, hbs.escapeExpression(String(root.csrfToken ?? ''))).replaceAll(FRAGMENT_PATH, hbs.escapeExpression(String(root.currentPath ?? '')));
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
