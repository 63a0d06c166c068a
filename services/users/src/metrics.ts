import { Registry } from 'prom-client';

/**
 * The user service's metrics registry, served by its /metrics endpoint: HTTP and process metrics
 * for now; domain counters go here, as in the other services.
 */
export function createUsersMetrics(registry = new Registry()) {
  return { registry };
}

export type UsersMetrics = ReturnType<typeof createUsersMetrics>;
