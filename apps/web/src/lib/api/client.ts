// The one typed API client: paths, parameters and bodies come from the services' OpenAPI
// documents (schema.ts, generated). Same origin: the edge forwards /api/... to the services.
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema.ts';
import { getToken } from '../auth-token.ts';

export const api = createClient<paths>({ baseUrl: '' });

const auth: Middleware = {
  onRequest({ request }) {
    const token = getToken();
    if (token && !request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
};
api.use(auth);

export type { paths };
