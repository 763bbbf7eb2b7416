// Request/reply decorations shared by plugins and routes.
import type { Config, Locale } from './config.ts';
import type { Translate } from './i18n/index.ts';
import type { RequestMeta, Services, Viewer } from './services/index.ts';

export interface PageOptions {
  status?: number;
  /** translated page title */
  title?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    config: Config;
    /** every registered route (method, path), HEAD left out */
    routeList: readonly { method: string; url: string }[];
    live: { hub: import('./live/hub.ts').Hub; bus: import('./live/bus.ts').Bus };
  }
  interface FastifyRequest {
    viewer: Viewer | null;
    locale: Locale;
    t: Translate;
    meta: RequestMeta;
  }
  interface FastifyReply {
    page(template: string, data?: Record<string, unknown>, options?: PageOptions): Promise<FastifyReply>;
    setSessionCookie(token: string, expiresAt: Date): void;
    clearSessionCookie(): void;
  }
  interface FastifyContextConfig {
    /** pending or rejected accounts may reach this route (logout, language, their status page) */
    allowInactive?: boolean;
    /** no session lookup (static files, health) */
    anonymousOnly?: boolean;
    /** the page a visitor without an account sees is the same for all of them: it may be cached briefly */
    anonymousPageCache?: boolean;
    /** suspended members (and members with a warning to acknowledge) may reach this route */
    allowSanctioned?: boolean;
  }
}

declare module 'fastify' {
  interface FastifyReply {
    generateCsrf(): string;
  }
}
