import type { Executor } from '../../store/db.js';
import { readPublicUserRows } from '../../store/repositories/user-repository.js';
import type { PublicUserData } from './types.js';
import type { DomainContext } from '../context.js';
import { userImageUrl } from '../images.js';

/** Public data of each user, keyed by id: names, identifier, image. Never metadata or private fields. */
export async function loadPublicUserData(ctx: Pick<DomainContext, 'publicUrl'>, db: Executor, userIds: readonly string[]): Promise<Map<string, PublicUserData>> {
  const unique = [...new Set(userIds)];
  if (unique.length === 0) return new Map();
  const rows = await readPublicUserRows(db, unique);
  return new Map(
    rows.map((r) => [
      r.id,
      {
        userId: r.id,
        firstName: r.first_name,
        lastName: r.last_name,
        imageUrl: userImageUrl(ctx, r.image_id),
        hasImage: r.image_id !== null,
        identifier: r.email_address ?? r.phone_number ?? r.username ?? null,
        username: r.username,
        banned: r.banned === 1,
      },
    ]),
  );
}
