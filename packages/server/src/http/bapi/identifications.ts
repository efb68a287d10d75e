import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DomainContext } from '../../domain/context.js';
import {
  createEmailAddress,
  createPhoneNumber,
  deleteEmailAddress,
  deletePhoneNumber,
  getEmailAddress,
  getPhoneNumber,
  updateEmailAddress,
  updatePhoneNumber,
} from '../../domain/users/identifications.js';
import { parseInput } from '../validation.js';
import { serializeEmailAddress, serializePhoneNumber } from '../../wire/user.js';
import { serializeDeleted } from '../../wire/deleted.js';

const flag = z.boolean().nullish();
const idParams = (name: string) => z.object({ [name]: z.string().min(1).max(128) });

const createEmailBody = z.object({
  user_id: z.string().min(1).max(128),
  email_address: z.string().max(320),
  verified: flag,
  primary: flag,
  notify_primary_email_address_changed: flag,
});
const updateEmailBody = z.object({ verified: flag, primary: flag });

const createPhoneBody = z.object({
  user_id: z.string().min(1).max(128),
  phone_number: z.string().max(64),
  verified: flag,
  primary: flag,
  reserved_for_second_factor: flag,
});
const updatePhoneBody = z.object({ verified: flag, primary: flag, reserved_for_second_factor: flag });

/** `/v1/email_addresses` and `/v1/phone_numbers`: a user's identifications, addressed by their own ids. */
export function registerIdentificationRoutes(app: FastifyInstance, ctx: DomainContext): void {
  const emailId = (params: unknown) => parseInput(idParams('email_address_id'), params)['email_address_id'] as string;
  const phoneId = (params: unknown) => parseInput(idParams('phone_number_id'), params)['phone_number_id'] as string;

  app.post('/email_addresses', async (request) => {
    const b = parseInput(createEmailBody, request.body);
    return serializeEmailAddress(await createEmailAddress(ctx, b.user_id, b.email_address, { verified: b.verified, primary: b.primary }));
  });
  app.get('/email_addresses/:email_address_id', async (request) => serializeEmailAddress(await getEmailAddress(ctx, emailId(request.params))));
  app.patch('/email_addresses/:email_address_id', async (request) => {
    const id = emailId(request.params);
    const b = parseInput(updateEmailBody, request.body);
    return serializeEmailAddress(await updateEmailAddress(ctx, id, { verified: b.verified, primary: b.primary }));
  });
  app.delete('/email_addresses/:email_address_id', async (request) => serializeDeleted(await deleteEmailAddress(ctx, emailId(request.params))));

  app.post('/phone_numbers', async (request) => {
    const b = parseInput(createPhoneBody, request.body);
    return serializePhoneNumber(
      await createPhoneNumber(ctx, b.user_id, b.phone_number, {
        verified: b.verified,
        primary: b.primary,
        reservedForSecondFactor: b.reserved_for_second_factor,
      }),
    );
  });
  app.get('/phone_numbers/:phone_number_id', async (request) => serializePhoneNumber(await getPhoneNumber(ctx, phoneId(request.params))));
  app.patch('/phone_numbers/:phone_number_id', async (request) => {
    const id = phoneId(request.params);
    const b = parseInput(updatePhoneBody, request.body);
    return serializePhoneNumber(
      await updatePhoneNumber(ctx, id, { verified: b.verified, primary: b.primary, reservedForSecondFactor: b.reserved_for_second_factor }),
    );
  });
  app.delete('/phone_numbers/:phone_number_id', async (request) => serializeDeleted(await deletePhoneNumber(ctx, phoneId(request.params))));
}
