import type { FastifyRequest } from 'fastify';
import { UnauthenticatedError, ValidationError } from '../errors.ts';
import type { Viewer } from '../services/index.ts';

/** A return-to path must stay on this site: a single leading slash, no scheme, no backslash tricks. */
export function safeNext(raw: unknown, fallback = '/'): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2000) return fallback;
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return fallback;
   
  if (/[\u0000-\u001f\\]/.test(raw)) return fallback;
  try {
    const url = new URL(raw, 'http://entraide.invalid');
    if (url.origin !== 'http://entraide.invalid') return fallback;
    return url.pathname + url.search + url.hash;
  } catch {
    return fallback;
  }
}

export function requireViewer(request: FastifyRequest): Viewer {
  if (!request.viewer) throw new UnauthenticatedError();
  return request.viewer;
}

/** Runs a form action; a ValidationError comes back as a value so the route can re-render. */
export async function attempt<T>(action: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: ValidationError }> {
  try {
    return { ok: true, value: await action() };
  } catch (err) {
    if (err instanceof ValidationError) return { ok: false, error: err };
    throw err;
  }
}

export function withNotice(path: string, notice: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}notice=${notice}`;
}
