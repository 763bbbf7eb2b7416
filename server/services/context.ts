import type { Config } from '../config.ts';
import type { Db } from '../db/executor.ts';
import type { Role } from '../db/schema.ts';
import type { ViewerStatus } from '../policies/index.ts';
import type { PostingThrottle } from './posting-throttle.ts';
import type { ContentCache } from './content-cache.ts';

/** What every service is built with. */
export interface ServiceDeps {
  db: Db;
  config: Config;
  now?: () => Date;
  /** this process, among the instances sharing the database (live bus messages name their origin) */
  instanceId?: string;
  /** tell other instances of content-cache invalidations (several instances on one Postgres) */
  broadcastCache?: boolean;
}

/** Services whose writes change what pages show also get the content cache, to invalidate it. */
export interface CachingDeps extends ServiceDeps {
  cache: ContentCache;
}

/** What the services that publish writing also get: the one posting throttle of the process. */
export interface WritingDeps extends CachingDeps {
  posting: PostingThrottle;
}

/** Facts about the request a service records (audit) but never acts on as HTTP. */
export interface RequestMeta {
  ip: string;
  requestId: string;
  userAgent: string;
}

/** The signed-in person as services and policies see them. */
export interface Viewer {
  id: number;
  handle: string;
  displayName: string;
  role: Role;
  status: ViewerStatus;
  locale: string;
  sessionId: string;
  /** an unlifted warning the member has not acknowledged yet: they see it before anything else */
  mustAcknowledge?: boolean;
}

/** A file from an upload form, as the multipart layer hands it over. */
export interface UploadedFile {
  buffer: Buffer;
  /** the file was larger than the upload limit and was cut */
  truncated: boolean;
  filename: string;
}
