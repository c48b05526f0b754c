import type { ApiRoute } from './route.js';

export const phoneRoutes: ApiRoute[] = [];
