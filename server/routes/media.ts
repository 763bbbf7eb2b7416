// Stored images and generated initials. Both are immutable for a given address (a stored image
// gets a new random key when replaced; initials are drawn from the address alone), so they are
// cached for a year, and no session is looked up for them. Only addresses the media service
// could have produced are answered: anything else, traversal attempts included, is a 404.
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { NotFoundError } from '../errors.ts';
import { initialsSvg, parseMediaPath } from '../services/media-service.ts';

const IMMUTABLE = 'public, max-age=31536000, immutable';
// An image needs nothing; the SVG's presentation attributes are allowed inline styles at most.
const IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'";

const segment = Type.String({ maxLength: 200 });
const storedParams = Type.Object({ a: segment, b: segment, file: segment }, { additionalProperties: false });
const initialsParams = Type.Object({ initials: segment, file: segment }, { additionalProperties: false });

export async function mediaRoutes(app: FastifyInstance) {
  const config = { anonymousOnly: true };

  app.get('/media/initials/:initials/:file', { config, schema: { params: initialsParams } }, async (request, reply) => {
    const { initials, file } = request.params as { initials: string; file: string };
    const m = /^([0-9]{1,3})\.svg$/.exec(file);
    const hue = m ? Number(m[1]) : NaN;
    if (!(hue >= 0 && hue < 360)) throw new NotFoundError('initials');
    return reply
      .header('cache-control', IMMUTABLE)
      .header('content-security-policy', IMAGE_CSP)
      .type('image/svg+xml; charset=utf-8')
      .send(initialsSvg(initials, hue));
  });

  app.get('/media/:a/:b/:file', { config, schema: { params: storedParams } }, async (request, reply) => {
    const { a, b, file } = request.params as { a: string; b: string; file: string };
    const target = parseMediaPath(a, b, file);
    const data = target ? await app.services.media.read(target.key, target.size) : null;
    if (!data) throw new NotFoundError('media');
    return reply.header('cache-control', IMMUTABLE).header('content-security-policy', IMAGE_CSP).type('image/webp').send(data);
  });

  // Any other address under /media: a 404, still without a session lookup.
  app.get('/media/*', { config }, async () => {
    throw new NotFoundError('media');
  });
}
