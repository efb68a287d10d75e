import type { DeletedObject } from '../domain/deleted-object.js';

/** Clerk's `DeletedObject`: users, organizations, roles, permissions, templates, endpoints. */
export function serializeDeleted(deleted: DeletedObject) {
  return {
    object: deleted.object,
    id: deleted.id,
    ...(deleted.slug !== undefined ? { slug: deleted.slug } : {}),
    deleted: true,
    ...(deleted.externalId ? { external_id: deleted.externalId } : {}),
  };
}
