import type { z } from 'zod';
import type { UserListQuery } from '../../domain/users/list-users.js';
import { camelKeys } from '../../wire/requests/fields.js';
import { USER_FILTERS } from '../../wire/requests/user-filters.js';
import { queryObject } from '../validation.js';

/** The user filters read from a query string, parsed straight into the domain's list query. */
export const userFilterQuery = queryObject(USER_FILTERS).transform(camelKeys) satisfies z.ZodType<UserListQuery>;
