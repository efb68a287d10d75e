import type { Executor } from '../db.js';

/** Uploaded images (organization logos, profile images), kept in the store so every server process serves them. */
export async function insertImage(db: Executor, image: { id: string; contentType: string; bytes: Uint8Array; createdAt: number }): Promise<void> {
  await db.insertInto('images').values({ id: image.id, content_type: image.contentType, bytes: image.bytes, created_at: image.createdAt }).execute();
}

export async function deleteImage(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('images').where('id', '=', id).execute();
}

export async function readImage(db: Executor, id: string): Promise<{ content_type: string; bytes: Uint8Array } | undefined> {
  return db.selectFrom('images').select(['content_type', 'bytes']).where('id', '=', id).executeTakeFirst();
}
