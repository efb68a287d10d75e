import Bowser from 'bowser';
import { currentAuditContext } from '../events/audit-context.js';
import type { SessionRow } from '../../store/repositories/session-repository.js';

/** Where the request being served comes from, as a session records it at its start and each touch. */
export function requestActivity(): { ip: string | null; userAgent: string | null } {
  const audit = currentAuditContext();
  return { ip: audit?.ip ?? null, userAgent: audit?.userAgent ?? null };
}

/** A session's latest activity as a person's device list shows it (Clerk's `session_activity`); no location is derived. */
export interface SessionActivity {
  id: string;
  deviceType: string | null;
  isMobile: boolean;
  browserName: string | null;
  browserVersion: string | null;
  ipAddress: string | null;
}

export function describeActivity(row: Pick<SessionRow, 'id' | 'activity_ip' | 'activity_user_agent'>): SessionActivity {
  const agent = row.activity_user_agent ? Bowser.parse(row.activity_user_agent) : undefined;
  const platform = agent?.platform.type;
  const device = agent?.platform.model ?? agent?.platform.vendor ?? agent?.os.name ?? platform;
  return {
    id: `sess_activity_${row.id}`,
    deviceType: device ?? null,
    isMobile: platform === 'mobile',
    browserName: agent?.browser.name ?? null,
    browserVersion: agent?.browser.version ?? null,
    ipAddress: row.activity_ip,
  };
}
