import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import type { DomainContext } from '../../domain/context.js';
import { listOAuthProviders } from '../../domain/oauth/providers.js';
import { enumerationProtected, readInstanceSettings } from '../../domain/settings/instance-settings.js';
import { serializeEnvironment } from '../../wire/fapi/environment.js';
import { registerNotFound } from '../errors.js';
import { registerClientRoutes } from './client-routes.js';
import { registerMeContactRoutes } from './me-contact-routes.js';
import { registerMeOrganizationRoutes } from './me-organization-routes.js';
import { registerMeRoutes } from './me-routes.js';
import { registerMePasskeyRoutes } from './me-passkey-routes.js';
import { registerMeExternalAccountRoutes } from './me-external-account-routes.js';
import { registerOAuthCallbackRoutes } from './oauth-callback-routes.js';
import { registerSessionVerificationRoutes } from './session-verification-routes.js';
import { registerMeSecondFactorRoutes } from './me-second-factor-routes.js';
import { registerOrganizationDomainRoutes } from './organization-domain-routes.js';
import { registerOrganizationRoutes } from './organization-routes.js';
import { registerRateLimits } from './rate-limits.js';
import type { SharedLimiters } from '../rate-limit-store.js';
import { registerSignInRoutes } from './sign-in-routes.js';
import { registerSignUpRoutes } from './sign-up-routes.js';
import { registerTicketRoutes } from './ticket-routes.js';
import { FapiRouter, registerOriginPolicy } from './transport.js';

/** The Frontend API at `/fapi/v1`, as `@clerk/clerk-js` calls it (clerk-compat §3). */
export async function registerFrontendApi(app: FastifyInstance, ctx: DomainContext, rateLimits: SharedLimiters | undefined): Promise<void> {
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  registerOriginPolicy(app, ctx);
  registerNotFound(app);
  await registerRateLimits(app, rateLimits);
  app.options('*', async (_request, reply) => reply.code(204).send());
  const r = new FapiRouter(app);

  const environment = async () => {
    const settings = await readInstanceSettings(ctx);
    return serializeEnvironment({
      settings,
      applicationName: ctx.policy.applicationName,
      origin: ctx.publicUrl.origin,
      lockout: ctx.policy.lockout,
      passwordMinLength: ctx.policy.passwordMinLength,
      providers: await listOAuthProviders(ctx),
      enumerationProtection: enumerationProtected(settings, ctx.publicUrl),
    });
  };
  r.route('GET', '/environment', environment);
  r.route('PATCH', '/environment', environment);

  registerClientRoutes(r, ctx);
  registerSignInRoutes(r, ctx);
  registerSignUpRoutes(r, ctx);
  registerTicketRoutes(r, ctx);
  registerMeRoutes(r, ctx);
  registerMeContactRoutes(r, ctx);
  registerMeSecondFactorRoutes(r, ctx);
  registerMePasskeyRoutes(r, ctx);
  registerMeExternalAccountRoutes(r, ctx);
  registerOAuthCallbackRoutes(r, ctx);
  registerSessionVerificationRoutes(r, ctx);
  registerMeOrganizationRoutes(r, ctx);
  registerOrganizationRoutes(r, ctx);
  registerOrganizationDomainRoutes(r, ctx);
  r.finish();
}
