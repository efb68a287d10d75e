import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { startConnection, startReauthorization } from '../../domain/oauth/connect-account.js';
import { serializePendingConnection, serializeReauthorization } from '../../wire/fapi/external-account.js';
import { unlinkExternalAccount } from '../../domain/oauth/external-accounts.js';
import { requireRecentVerification } from '../../domain/sessions/reverification.js';
import { readInstanceSettings } from '../../domain/settings/instance-settings.js';
import { serializeFapiDeleted } from '../../wire/fapi/client.js';
import { parseInput } from '../validation.js';
import { withClient } from './client-identity.js';
import { text } from './route-support.js';
import { signedInActor } from './signed-in-actor.js';
import type { FapiRouter } from './transport.js';

const accountParams = z.object({ id: text(128) });
const scopeList = z.union([text(128), z.array(text(128)).max(50)]).transform((v) => (Array.isArray(v) ? v : [v]));
const connectBody = z.object({ strategy: text(64), redirect_url: text(2048).optional(), additional_scope: scopeList.optional() });
const reauthorizeBody = z.object({ redirect_url: text(2048).optional(), additional_scope: scopeList.optional() });

/** The signed-in person's connected accounts: connect one (off to the provider), disconnect one. */
export function registerMeExternalAccountRoutes(r: FapiRouter, ctx: DomainContext): void {
  r.route('POST', '/me/external_accounts', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    const body = parseInput(connectBody, request.body ?? {});
    const pending = await startConnection(ctx, me, { strategy: body.strategy, redirectUrl: body.redirect_url, additionalScopes: body.additional_scope });
    return withClient(ctx, request, reply, me.clientId, serializePendingConnection(pending));
  });

  r.route('PATCH', '/me/external_accounts/:id/reauthorize', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    const { id } = parseInput(accountParams, request.params);
    const body = parseInput(reauthorizeBody, request.body ?? {});
    const { account, verification } = await startReauthorization(ctx, me, id, { redirectUrl: body.redirect_url, additionalScopes: body.additional_scope });
    return withClient(ctx, request, reply, me.clientId, serializeReauthorization(account, verification));
  });

  r.route('DELETE', '/me/external_accounts/:id', async (request, reply) => {
    const me = await signedInActor(ctx, request);
    await requireRecentVerification(ctx, me);
    const { id } = parseInput(accountParams, request.params);
    await unlinkExternalAccount(ctx, me.userId, id, { keepSignIn: await readInstanceSettings(ctx) });
    return withClient(ctx, request, reply, me.clientId, serializeFapiDeleted({ object: 'external_account', id, deleted: true }));
  });
}
