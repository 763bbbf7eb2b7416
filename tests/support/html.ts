// Reading pages in tests: catalog messages as the templates escape them, and the reverse.
import Handlebars from 'handlebars';
import { translator } from '../../server/i18n/index.ts';

const fr = translator('fr');

/** A French catalog message, escaped the way a template outputs it. */
export const msg = (key: string, params?: Record<string, unknown>) => Handlebars.escapeExpression(fr(key, params));

/** Undoes Handlebars.escapeExpression. */
export function unescapeHtml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#x60;/g, '`')
    .replace(/&#x3D;/g, '=')
    .replace(/&amp;/g, '&');
}
