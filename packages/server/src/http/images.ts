import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../domain/context.js';
import { getImage } from '../domain/organizations/logos.js';
import { parseInput } from './validation.js';

/** Public, immutable image URLs (organization logos): a new upload always gets a new id. */
export function registerImageRoutes(app: FastifyInstance, ctx: DomainContext): void {
  app.get('/images/:image_id', async (request, reply) => {
    const { image_id } = parseInput(z.object({ image_id: z.string().max(64) }), request.params);
    const image = await getImage(ctx, image_id);
    return reply
      .header('content-type', image.contentType)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('content-security-policy', "default-src 'none'")
      .send(Buffer.from(image.bytes));
  });
}
