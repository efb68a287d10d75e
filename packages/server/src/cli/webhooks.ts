import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import type { DomainContext } from '../domain/context.js';
import { listDeliveries, replayDelivery, replaySince } from '../domain/webhooks/deliveries.js';
import { createEndpoint, deleteEndpoint, getEndpoint, listEndpoints, rotateSecret, updateEndpoint, type WebhookEndpoint } from '../domain/webhooks/endpoints.js';
import { CliUsageError, runAsOperator } from './operator-command.js';
import type { Store } from '../store/db.js';

export const WEBHOOKS_USAGE = `  webhooks list
  webhooks create --url URL [--description TEXT] [--events TYPE,TYPE…] [--disabled]
  webhooks show <endpoint id>
  webhooks update <endpoint id> [--url URL] [--description TEXT] [--events TYPE,…|all] [--enable|--disable]
  webhooks delete <endpoint id>
  webhooks rotate-secret <endpoint id>
  webhooks deliveries <endpoint id> [--status pending|succeeded|failed] [--limit N]
  webhooks replay <endpoint id> (--since TIME | --delivery <delivery id>)
                            Manage webhook endpoints, as the Backend API's /v1/webhook_endpoints does.
                            --events omitted or "all": every Clerk event type. TIME is ISO 8601 or
                            Unix milliseconds. Secrets are printed on create and rotate only.`;


function date(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString();
}

function describeEndpoint(e: WebhookEndpoint): string {
  const lines = [
    `${e.id}  ${e.enabled ? 'enabled' : `disabled${e.disabledReason ? ` (${e.disabledReason})` : ''}`}`,
    `  url:          ${e.url}`,
    `  events:       ${e.events ? e.events.join(', ') : 'all Clerk event types'}`,
  ];
  if (e.description) lines.push(`  description:  ${e.description}`);
  lines.push(`  created:      ${date(e.createdAt)}`, `  updated:      ${date(e.updatedAt)}`);
  if (e.secret) lines.push(`  secret:       ${e.secret}   (shown once: store it now)`);
  return lines.join('\n');
}

function parseTime(text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new CliUsageError(`--since must be an ISO 8601 time or Unix milliseconds, got ${text}.`);
  return ms;
}

function parseEvents(text: string | undefined): string[] | null | undefined {
  if (text === undefined) return undefined;
  if (text === 'all') return null;
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

async function run(ctx: DomainContext, args: string[], out: (text: string) => void): Promise<void> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      description: { type: 'string' },
      events: { type: 'string' },
      disabled: { type: 'boolean' },
      enable: { type: 'boolean' },
      disable: { type: 'boolean' },
      status: { type: 'string' },
      limit: { type: 'string' },
      since: { type: 'string' },
      delivery: { type: 'string' },
    },
  });
  const [action, id] = positionals;
  const needId = () => {
    if (!id) throw new CliUsageError(`gatehouse webhooks ${action} needs an endpoint id.`);
    return id;
  };
  switch (action) {
    case 'list': {
      const { items, totalCount } = await listEndpoints(ctx, { limit: 500, offset: 0 });
      if (totalCount === 0) out('No webhook endpoints.');
      for (const e of items) out(describeEndpoint(e));
      return;
    }
    case 'create': {
      if (!values.url) throw new CliUsageError('gatehouse webhooks create needs --url.');
      const events = parseEvents(values.events);
      out(describeEndpoint(await createEndpoint(ctx, { url: values.url, description: values.description, events, enabled: values.disabled !== true })));
      return;
    }
    case 'show':
      out(describeEndpoint(await getEndpoint(ctx, needId())));
      return;
    case 'update': {
      if (values.enable && values.disable) throw new CliUsageError('Give --enable or --disable, not both.');
      const enabled = values.enable ? true : values.disable ? false : undefined;
      out(describeEndpoint(await updateEndpoint(ctx, needId(), { url: values.url, description: values.description, events: parseEvents(values.events), enabled })));
      return;
    }
    case 'delete':
      await deleteEndpoint(ctx, needId());
      out(`Deleted ${id}.`);
      return;
    case 'rotate-secret':
      out(describeEndpoint(await rotateSecret(ctx, needId())));
      out('The previous secret keeps signing alongside the new one for 24 hours.');
      return;
    case 'deliveries': {
      const status = values.status;
      if (status !== undefined && status !== 'pending' && status !== 'succeeded' && status !== 'failed') throw new CliUsageError('--status must be pending, succeeded or failed.');
      const limit = values.limit === undefined ? 20 : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new CliUsageError('--limit must be a whole number from 1 to 500.');
      const { items, totalCount } = await listDeliveries(ctx, needId(), { limit, offset: 0, status });
      out(`${totalCount} deliveries${status ? ` ${status}` : ''}; newest first:`);
      for (const d of items) {
        const last = d.attempts[d.attempts.length - 1];
        const outcome = last ? `${last.statusCode ?? last.error ?? '-'} in ${last.latencyMs} ms` : 'not attempted yet';
        out(`${d.id}  ${d.eventType}  ${d.status}  attempts ${d.attemptCount}  last ${outcome}${d.nextAttemptAt ? `  next ${date(d.nextAttemptAt)}` : ''}`);
      }
      return;
    }
    case 'replay': {
      const endpointId = needId();
      if (values.delivery) {
        await replayDelivery(ctx, endpointId, values.delivery);
        out(`Queued ${values.delivery} again.`);
      } else if (values.since) {
        const queued = await replaySince(ctx, endpointId, parseTime(values.since));
        out(`Queued ${queued} events since ${date(parseTime(values.since))}.`);
      } else {
        throw new CliUsageError('gatehouse webhooks replay needs --since TIME or --delivery ID.');
      }
      return;
    }
    default:
      throw new CliUsageError(`Usage:\n${WEBHOOKS_USAGE}`);
  }
}

/** `gatehouse webhooks …`: the Backend API's /v1/webhook_endpoints, from the command line. */
export async function webhooksCommand(config: Config, store: Store, args: string[], out: (text: string) => void): Promise<void> {
  await runAsOperator(config, store, (ctx) => run(ctx, args, out));
}
