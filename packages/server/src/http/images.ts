import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../domain/context.js';
import { DEFAULT_AVATAR_PATH, IMAGE_MAX_BYTES, getImage } from '../domain/images.js';
import { GatehouseError, paramError } from '../errors.js';
import { parseInput } from './validation.js';

/** Public, immutable image URLs (organization logos, profile images): a new upload always gets a new id. */
/** A neutral head and shoulders: the picture of everyone who has not uploaded one. */
const DEFAULT_AVATAR_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" fill="#d9dbe0"/><circle cx="32" cy="25" r="12" fill="#9aa0ac"/><path d="M10 64c2-14 11-21 22-21s20 7 22 21z" fill="#9aa0ac"/></svg>`;

export function registerImageRoutes(app: FastifyInstance, ctx: DomainContext): void {
  app.get(DEFAULT_AVATAR_PATH, async (_request, reply) =>
    reply
      .header('content-type', 'image/svg+xml')
      .header('cache-control', 'public, max-age=86400')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(DEFAULT_AVATAR_SVG),
  );

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
  // The multipart parser cannot split a body without its boundary, and would fail as an internal error.
  if (!/;\s*boundary=/i.test(request.headers['content-type'] ?? '')) throw new GatehouseError('request_body_invalid', { longMessage: 'The multipart/form-data content type must name its boundary.' });
  let bytes: Buffer | undefined;
  for await (const part of request.parts({ limits: { fileSize: IMAGE_MAX_BYTES, files: 1, fields: 5 } })) {
    if (part.type !== 'file') continue;
    const content = await part.toBuffer();
    if (part.file.truncated) throw new GatehouseError('request_body_too_large', { longMessage: `The image must be at most ${IMAGE_MAX_BYTES} bytes.` });
    if (part.fieldname === 'file') bytes = content;
  }
  if (!bytes || bytes.length === 0) throw paramError('form_param_missing', 'file');
  return bytes;
}
