// Posts on walls. (Being written: the wall list is wired first so profile pages can show it.)
import type { Page } from '../db/pagination.ts';
import type { ServiceDeps, Viewer } from './context.ts';

export interface PostView {
  id: number;
}

export function createPostService(_deps: ServiceDeps) {
  return {
    /** The wall of a member: their posts and what others wrote there, newest first, as the viewer may see. */
    async listWall(_viewer: Viewer | null, _ownerId: number, _cursor: string | undefined): Promise<Page<PostView>> {
      return { items: [], next: undefined };
    },
  };
}
