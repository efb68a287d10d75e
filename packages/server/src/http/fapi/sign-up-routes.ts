import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import { attemptSignUpVerification, createSignUp, getSignUp, prepareSignUpVerification, updateSignUp, type SignUpInput } from '../../domain/sign-ups/sign-up-flow.js';
import { serializeSignUp } from '../../wire/fapi/client.js';
import { parseInput } from '../validation.js';
import { clientIdOrNew, rotateClientToken, rotateClientTokenOnCompletion, withClient } from './client-identity.js';
import { formBoolean, formJson, idParams, requireClientId, text } from './route-support.js';
import type { FapiRouter } from './transport.js';

const signUpBody = z.object({
  email_address: text(320).optional(),
  phone_number: text(64).optional(),
  password: text(4096).optional(),
  username: text(256).optional(),
  first_name: text(256).optional(),
  last_name: text(256).optional(),
  unsafe_metadata: formJson.optional(),
  legal_accepted: formBoolean.optional(),
  strategy: text(64).optional(),
  ticket: text(512).optional(),
  redirect_url: text(2048).optional(),
  action_complete_redirect_url: text(2048).optional(),
  transfer: formBoolean.optional(),
});
const prepareVerificationBody = z.object({ strategy: text(64), redirect_url: text(2048).optional() });
const attemptVerificationBody = z.object({ strategy: text(64), code: text(64) });

function signUpInput(b: z.output<typeof signUpBody>): SignUpInput {
  return {
    emailAddress: b.email_address,
    phoneNumber: b.phone_number,
    password: b.password,
    username: b.username,
    firstName: b.first_name,
    lastName: b.last_name,
    unsafeMetadata: b.unsafe_metadata as SignUpInput['unsafeMetadata'],
    legalAccepted: b.legal_accepted,
    strategy: b.strategy,
    ticket: b.ticket,
    redirectUrl: b.redirect_url,
    actionCompleteRedirectUrl: b.action_complete_redirect_url,
    transfer: b.transfer,
  };
}

/** Sign-up attempts: start, read, update, and verify the email address by code or link. */
export function registerSignUpRoutes(r: FapiRouter, ctx: DomainContext): void {
  r.route('POST', '/client/sign_ups', async (request, reply) => {
    const input = signUpInput(parseInput(signUpBody, request.body));
    const client = await clientIdOrNew(ctx, request, reply);
    const signUp = await createSignUp(ctx, client, input);
    if (signUp.status === 'complete') await rotateClientTokenOnCompletion(ctx, request, reply, client);
    return withClient(ctx, request, reply, client.id, serializeSignUp(signUp));
  });

  r.route('GET', '/client/sign_ups/:id', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const clientId = await requireClientId(ctx, request);
    return withClient(ctx, request, reply, clientId, serializeSignUp(await getSignUp(ctx, clientId, id)));
  });

  r.route('PATCH', '/client/sign_ups/:id', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const input = signUpInput(parseInput(signUpBody, request.body));
    const clientId = await requireClientId(ctx, request);
    const signUp = await updateSignUp(ctx, clientId, id, input);
    if (signUp.status === 'complete') await rotateClientToken(ctx, request, reply, clientId);
    return withClient(ctx, request, reply, clientId, serializeSignUp(signUp));
  });

  r.route('POST', '/client/sign_ups/:id/prepare_verification', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const body = parseInput(prepareVerificationBody, request.body);
    const clientId = await requireClientId(ctx, request);
    const signUp = await prepareSignUpVerification(ctx, clientId, id, { strategy: body.strategy, redirectUrl: body.redirect_url });
    return withClient(ctx, request, reply, clientId, serializeSignUp(signUp));
  });

  r.route('POST', '/client/sign_ups/:id/attempt_verification', async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const body = parseInput(attemptVerificationBody, request.body);
    const clientId = await requireClientId(ctx, request);
    const signUp = await attemptSignUpVerification(ctx, clientId, id, body);
    if (signUp.status === 'complete') await rotateClientToken(ctx, request, reply, clientId);
    return withClient(ctx, request, reply, clientId, serializeSignUp(signUp));
  });
}
