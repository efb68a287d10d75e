import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { userAccessTokens } from '../../domain/oauth/access-tokens.js';
import { unlinkExternalAccount } from '../../domain/oauth/external-accounts.js';
import { createOAuthProvider, deleteOAuthProvider, getOAuthProvider, listOAuthProviders, updateOAuthProvider, type ProviderInput } from '../../domain/oauth/providers.js';
import { serializeDeleted } from '../../wire/deleted.js';
import { serializeAccessToken, serializeOAuthProvider } from '../../wire/oauth-provider.js';
import { parseInput } from '../validation.js';

const strategyParams = z.object({ strategy: z.string().min(1).max(64) });
const accountParams = z.object({ user_id: z.string().min(1).max(128), external_account_id: z.string().min(1).max(128) });
const tokenParams = z.object({ user_id: z.string().min(1).max(128), provider: z.string().min(1).max(64) });
const url = z.string().max(2048).nullish();
const providerBody = z.object({
  preset: z.string().max(64).optional(),
  key: z.string().max(64).optional(),
  name: z.string().max(256).optional(),
  client_id: z.string().min(1).max(1024).optional(),
  client_secret: z.string().max(8192).optional(),
  scopes: z.array(z.string().max(128)).max(50).optional(),
  enabled: z.boolean().optional(),
  issuer: url,
  authorization_endpoint: url,
  token_endpoint: url,
  userinfo_endpoint: url,
  logo_url: url,
});

function toInput(b: z.output<typeof providerBody>): ProviderInput {
  return {
    preset: b.preset,
    key: b.key,
    name: b.name,
    clientId: b.client_id,
    clientSecret: b.client_secret,
    scopes: b.scopes,
    enabled: b.enabled,
    issuer: b.issuer,
    authorizationEndpoint: b.authorization_endpoint,
    tokenEndpoint: b.token_endpoint,
    userinfoEndpoint: b.userinfo_endpoint,
    logoUrl: b.logo_url,
  };
}

/**
 * Social providers (`/v1/oauth_providers`, a Gatehouse extension: Clerk configures them in its
 * dashboard), and what the Backend API does with users' connected accounts.
 */
export function registerOAuthProviderRoutes(app: FastifyInstance, ctx: DomainContext): void {
  app.get('/oauth_providers', async () => ({ data: (await listOAuthProviders(ctx)).map(serializeOAuthProvider) }));

  app.post('/oauth_providers', async (request) => serializeOAuthProvider(await createOAuthProvider(ctx, toInput(parseInput(providerBody, request.body)))));

  app.get('/oauth_providers/:strategy', async (request) => {
    const { strategy } = parseInput(strategyParams, request.params);
    return serializeOAuthProvider(await getOAuthProvider(ctx, strategy));
  });

  app.patch('/oauth_providers/:strategy', async (request) => {
    const { strategy } = parseInput(strategyParams, request.params);
    return serializeOAuthProvider(await updateOAuthProvider(ctx, strategy, toInput(parseInput(providerBody, request.body))));
  });

  app.delete('/oauth_providers/:strategy', async (request) => {
    const { strategy } = parseInput(strategyParams, request.params);
    await deleteOAuthProvider(ctx, strategy);
    return serializeDeleted({ object: 'oauth_provider', id: strategy, deleted: true });
  });

  app.delete('/users/:user_id/external_accounts/:external_account_id', async (request) => {
    const { user_id, external_account_id } = parseInput(accountParams, request.params);
    await unlinkExternalAccount(ctx, user_id, external_account_id);
    return serializeDeleted({ object: 'external_account', id: external_account_id, deleted: true });
  });

  app.get('/users/:user_id/oauth_access_tokens/:provider', async (request) => {
    const { user_id, provider } = parseInput(tokenParams, request.params);
    return (await userAccessTokens(ctx, user_id, provider)).map(serializeAccessToken);
  });
}
