import { notFound, paramError } from '../errors.js';
import { readImage } from '../store/repositories/image-repository.js';
import type { DomainContext } from './context.js';

/** Where stored images (organization logos, profile images) are served: ids are never reused, so the URL is immutable. */
export function imageUrlFor(ctx: Pick<DomainContext, 'publicUrl'>, imageId: string): string {
  return new URL(`/images/${imageId}`, ctx.publicUrl).href;
}

/** The picture of someone who has not uploaded one, as Clerk gives every user an image URL. */
export const DEFAULT_AVATAR_PATH = '/images/default-avatar.svg';

export function userImageUrl(ctx: Pick<DomainContext, 'publicUrl'>, imageId: string | null): string {
  return imageId ? imageUrlFor(ctx, imageId) : new URL(DEFAULT_AVATAR_PATH, ctx.publicUrl).href;
}

export const IMAGE_MAX_BYTES = 10 * 1024 * 1024;

/** The image type read from the file's first bytes; a client's declared type is not trusted. */
export function sniffImageType(bytes: Uint8Array): string | undefined {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'image/webp';
  return undefined;
}

/** The type of an uploaded image, or a 422 naming `file` for anything else (SVG included: it can carry script). */
export function imageTypeOf(bytes: Uint8Array): string {
  const contentType = sniffImageType(bytes);
  if (!contentType) throw paramError('form_param_format_invalid', 'file', 'file must be a PNG, JPEG, GIF or WebP image.');
  return contentType;
}

export async function getImage(ctx: DomainContext, imageId: string): Promise<{ contentType: string; bytes: Uint8Array }> {
  const row = await readImage(ctx.store.db, imageId);
  if (!row) throw notFound();
  return { contentType: row.content_type, bytes: row.bytes };
}
