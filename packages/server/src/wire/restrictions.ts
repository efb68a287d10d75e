import type { RestrictionIdentifier } from '../domain/restrictions/restrictions.js';
import type { InstanceSettings } from '../domain/settings/instance-settings.js';

/** An allowlist or blocklist identifier, as Clerk's Backend API shows it. */
export function serializeIdentifier(i: RestrictionIdentifier) {
  return {
    object: i.list === 'allowlist' ? 'allowlist_identifier' : 'blocklist_identifier',
    id: i.id,
    identifier: i.identifier,
    identifier_type: i.identifierType,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
  };
}

/** `instance_restrictions`: which restrictions apply. */
export function serializeRestrictions(s: InstanceSettings) {
  return { object: 'instance_restrictions', ...s.restrictions };
}
