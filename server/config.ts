// The only module that reads the environment. Every key is validated here so that a bad value
// stops the start with one line naming the key, instead of failing later somewhere deep.
import path from 'node:path';

export type Locale = 'fr' | 'en';
export const LOCALES: readonly Locale[] = ['fr', 'en'];

export interface RateLimit {
  max: number;
  /** window in milliseconds */
  windowMs: number;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  /** The address people use to reach the instance; decides secure cookies and the allowed Origin. */
  publicUrl: URL | undefined;
  trustProxy: boolean | number | string;
  logLevel: string;
  defaultLocale: Locale;
  /** True when the instance is served over HTTPS: Secure cookies with the __Host- prefix, HSTS, upgrade-insecure-requests. */
  secure: boolean;
  bodyLimitBytes: number;
  sessionDays: number;
  rateLimits: {
    login: RateLimit;
    signup: RateLimit;
    passwordChange: RateLimit;
    /** pieces of writing (posts, shares, comments, replies) one member may publish per window */
    posting: RateLimit;
  };
  /** Failed logins on one account before delays start; each further failure doubles the delay. */
  loginFailuresBeforeDelay: number;
  /** How long a page seen by visitors without an account may be served again; 0 turns it off. */
  pageCacheSeconds: number;
  /** Upper bound on how long content shared by all viewers is kept in memory (changes on this
   * instance, and on others once they are told, drop it at once); 0 turns the cache off. */
  contentCacheSeconds: number;
  /** How many of the newest items each member's home feed keeps (older ones are trimmed). */
  feedKeep: number;
}

export class ConfigError extends Error {
  key: string;
  constructor(key: string, message: string) {
    super(`Invalid configuration: ${key} ${message}`);
    this.name = 'ConfigError';
    this.key = key;
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, key: string, fallback: string): string {
  const v = env[key];
  return v === undefined || v.trim() === '' ? fallback : v.trim();
}

function int(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(key, `must be a whole number (got "${raw}")`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new ConfigError(key, `must be between ${min} and ${max} (got ${n})`);
  return n;
}

function parseTrustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw.trim() === '') return false;
  const v = raw.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  // A hop count: trust that many proxies in front of the server.
  if (/^\d+$/.test(v)) return Number(v) === 0 ? false : Number(v);
  // A comma-separated list of addresses or CIDR ranges, as Fastify accepts.
  if (/^[0-9a-f.:/,\s]+$/i.test(v)) return raw.trim();
  throw new ConfigError('TRUST_PROXY', `must be true, false, a hop count or a list of proxy addresses (got "${raw}")`);
}

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const nodeEnv = str(env, 'NODE_ENV', 'development');
  if (!['development', 'production', 'test'].includes(nodeEnv)) {
    throw new ConfigError('NODE_ENV', `must be development, production or test (got "${nodeEnv}")`);
  }

  let publicUrl: URL | undefined;
  const rawPublicUrl = env.PUBLIC_URL?.trim();
  if (rawPublicUrl) {
    try {
      publicUrl = new URL(rawPublicUrl);
    } catch {
      throw new ConfigError('PUBLIC_URL', `must be an absolute URL such as https://entraide.example.org (got "${rawPublicUrl}")`);
    }
    if (publicUrl.protocol !== 'http:' && publicUrl.protocol !== 'https:') {
      throw new ConfigError('PUBLIC_URL', 'must start with http:// or https://');
    }
  }

  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must start with postgres:// or postgresql://');
  }

  const locale = str(env, 'DEFAULT_LOCALE', 'fr');
  if (locale !== 'fr' && locale !== 'en') throw new ConfigError('DEFAULT_LOCALE', `must be fr or en (got "${locale}")`);

  const logLevel = str(env, 'LOG_LEVEL', nodeEnv === 'test' ? 'silent' : 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of fatal, error, warn, info, debug, trace, silent (got "${logLevel}")`);
  }

  const host = str(env, 'HOST', '127.0.0.1');
  const minute = 60_000;
  const config: Config = {
    env: nodeEnv as Config['env'],
    host,
    port: int(env, 'PORT', 3000, 0, 65535),
    dataDir: path.resolve(str(env, 'DATA_DIR', './data')),
    databaseUrl,
    publicUrl,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    logLevel,
    defaultLocale: locale,
    secure: publicUrl?.protocol === 'https:',
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 64 * 1024, 1024, 50 * 1024 * 1024),
    sessionDays: int(env, 'SESSION_DAYS', 30, 1, 365),
    rateLimits: {
      login: { max: int(env, 'RATE_LIMIT_LOGIN_PER_MINUTE', 10, 1, 100_000), windowMs: minute },
      signup: { max: int(env, 'RATE_LIMIT_SIGNUP_PER_HOUR', 10, 1, 100_000), windowMs: 60 * minute },
      passwordChange: { max: int(env, 'RATE_LIMIT_PASSWORD_PER_HOUR', 10, 1, 100_000), windowMs: 60 * minute },
      posting: { max: int(env, 'RATE_LIMIT_POSTS_PER_MINUTE', 10, 1, 100_000), windowMs: minute },
    },
    loginFailuresBeforeDelay: int(env, 'LOGIN_FAILURES_BEFORE_DELAY', 5, 1, 1000),
    pageCacheSeconds: int(env, 'PAGE_CACHE_SECONDS', nodeEnv === 'test' ? 0 : 3, 0, 300),
    contentCacheSeconds: int(env, 'CONTENT_CACHE_SECONDS', 10, 0, 3600),
    feedKeep: int(env, 'FEED_KEEP', 500, 50, 100_000),
  };
  return { ...config, ...overrides };
}
