// One Handlebars environment for pages and for the partials that live updates will push, so a
// comment rendered over the websocket is byte-for-byte the one on the page. Output is escaped:
// the only triple-stash is the layout's {{{body}}}, which holds an already-rendered page.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { FRAGMENT_SINK, pageBytes, registerHelpers, type FragmentSink } from './helpers.ts';

export const VIEWS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../views');

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? walk(full) : entry.name.endsWith('.hbs') ? [full] : [];
  });
}

function nameOf(root: string, file: string): string {
  return path.relative(root, file).replace(/\\/g, '/').replace(/\.hbs$/, '');
}

// preventIndent: an indented {{> partial}} must not indent the partial's output, or the text
// inside a <textarea> would change each time a form is shown again.
const COMPILE_OPTIONS = { strict: false, noEscape: false, preventIndent: true } as const;

export interface Renderer {
  page(name: string, context: Record<string, unknown>, layout?: string): string;
  /** The page as the bytes to send (fragments kept encoded: server/view-helpers/helpers.ts). */
  pageBytes(name: string, context: Record<string, unknown>, layout?: string): Buffer;
  partial(name: string, context: Record<string, unknown>): string;
  has(name: string): boolean;
}

export function createRenderer(viewsDir = VIEWS_DIR): Renderer {
  const hbs = Handlebars.create();
  registerHelpers(hbs);
  const compile = (file: string) => hbs.compile(fs.readFileSync(file, 'utf8'), COMPILE_OPTIONS);

  const partials = new Map<string, HandlebarsTemplateDelegate>();
  for (const file of walk(path.join(viewsDir, 'partials'))) {
    const name = nameOf(path.join(viewsDir, 'partials'), file);
    const source = fs.readFileSync(file, 'utf8');
    hbs.registerPartial(name, source);
    partials.set(name, hbs.compile(source, COMPILE_OPTIONS));
  }
  const pages = new Map(walk(path.join(viewsDir, 'pages')).map((f) => [nameOf(path.join(viewsDir, 'pages'), f), compile(f)]));
  const layouts = new Map(walk(path.join(viewsDir, 'layouts')).map((f) => [nameOf(path.join(viewsDir, 'layouts'), f), compile(f)]));

  const page = (name: string, context: Record<string | symbol, unknown>, layout = 'main') => {
    const template = pages.get(name);
    if (!template) throw new Error(`No page template "${name}"`);
    const body = template(context);
    const wrap = layouts.get(layout);
    if (!wrap) throw new Error(`No layout "${layout}"`);
    return wrap({ ...context, body });
  };

  return {
    page,
    pageBytes(name, context, layout = 'main') {
      const sink: FragmentSink = [];
      const html = page(name, { ...context, [FRAGMENT_SINK]: sink }, layout);
      return pageBytes(html, sink, context as { csrfToken?: unknown; currentPath?: unknown }, hbs.escapeExpression);
    },
    partial(name, context) {
      const template = partials.get(name);
      if (!template) throw new Error(`No partial "${name}"`);
      return template(context);
    },
    has(name) {
      return pages.has(name);
    },
  };
}
