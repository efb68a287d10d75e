import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../domain/context.js';
import { LOGO_MAX_BYTES, getImage } from '../domain/organizations/logos.js';
import { GatehouseError, paramError } from '../errors.js';
import { parseInput } from './validation.js';

/** Public, immutable image URLs (organization logos, profile images): a new upload always gets a new id. */
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

/** The single `file` part of a multipart image upload, within the image size limit. */
export async function uploadedImage(request: FastifyRequest): Promise<Buffer> {
  if (!request.isMultipart()) throw new GatehouseError('unsupported_content_type', { longMessage: 'Upload the image as multipart/form-data with a "file" part.' });
  let bytes: Buffer | undefined;
  for await (const part of request.parts({ limits: { fileSize: LOGO_MAX_BYTES, files: 1, fields: 5 } })) {
    if (part.type !== 'file') continue;
    const content = await part.toBuffer();
    if (part.file.truncated) throw new GatehouseError('request_body_too_large', { longMessage: `The image must be at most ${LOGO_MAX_BYTES} bytes.` });
    if (part.fieldname === 'file') bytes = content;
  }
  if (!bytes || bytes.length === 0) throw paramError('form_param_missing', 'file');
  return bytes;
}
