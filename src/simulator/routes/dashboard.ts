import type { ApiRoute } from './route.js';

export const dashboardRoutes: ApiRoute[] = [];
