import { ZoomError, validation } from '../errors.js';
import type { SimTenant, SimUser } from '../model.js';
import { paginate, readPaging } from '../paging.js';
import { findUser } from '../state.js';
import { enumParam } from './query.js';
import { ok } from './route.js';
import type { ApiRoute } from './route.js';

export function renderUser(user: SimUser): Record<string, unknown> {
  return {
    id: user.id,
    first_name: user.first_name,
    last_name: user.last_name,
    display_name: user.display_name,
    email: user.email,
    type: user.type,
    pmi: 0,
    timezone: user.timezone,
    verified: 1,
    dept: user.dept,
    created_at: user.created_at,
    user_created_at: user.created_at,
    last_login_time: user.last_login_time,
    language: 'en-US',
    status: user.status,
    role_id: '2',
    group_ids: [],
    ...(user.phone_number ? { phone_number: user.phone_number } : {}),
  };
}

/** Zoom quirk: with Server-to-Server tokens `me` is no user; a real id or email is needed. */
export function requireUser(tenant: SimTenant, userId: string): SimUser {
  const user = findUser(tenant, userId);
  if (!user) throw new ZoomError(404, 1001, `User does not exist: ${userId}.`);
  return user;
}

export const userRoutes: ApiRoute[] = [
  {
    method: 'GET', template: '/users', family: 'meetings', category: 'medium',
    handler: ({ state, tenant, query, nowMs }) => {
      const status = enumParam(query, 'status', ['active', 'inactive', 'pending'] as const, 'active');
      const paging = readPaging(state.pages, '/users', tenant.accountId, query, nowMs, { max: 2000 });
      const pageNumber = query.get('page_number');
      if (pageNumber !== null && !/^[1-9]\d*$/.test(pageNumber)) throw validation('page_number', 'Invalid field.');
      const users = tenant.users.filter((u) => u.status === status);
      // Legacy page_number paging still works when no next_page_token is given.
      if (pageNumber !== null && !query.get('next_page_token')) paging.offset = (Number(pageNumber) - 1) * paging.pageSize;
      const page = paginate(state.pages, users, paging, nowMs);
      return ok({
        page_count: page.page_count,
        page_number: Math.floor(paging.offset / paging.pageSize) + 1,
        page_size: page.page_size,
        total_records: page.total_records,
        next_page_token: page.next_page_token,
        users: page.items.map(renderUser),
      });
    },
  },
  {
    method: 'GET', template: '/users/{userId}', family: 'meetings', category: 'light',
    handler: ({ tenant, params }) => ok(renderUser(requireUser(tenant, params.userId ?? ''))),
  },
];
