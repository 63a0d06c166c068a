export interface HealthCheck {
  /** Resolves when the dependency answers; rejects (or times out) when it does not. */
  check: () => Promise<unknown>;
  /** A required dependency that is down makes the service `unhealthy` (503); an optional one `degraded`. */
  required: boolean;
}

export interface HealthReport {
  status: 'healthy' | 'degraded' | 'unhealthy';
  service: string;
  timestamp: string;
  checks: Record<string, 'up' | 'down'>;
  [extra: string]: unknown;
}

const CHECK_TIMEOUT_MS = 1500;

export async function runHealthChecks(service: string, checks: Record<string, HealthCheck>): Promise<HealthReport> {
  const names = Object.keys(checks);
  const results = await Promise.all(
    names.map(async (name) => {
      const hc = checks[name]!;
      try {
        await withTimeout(hc.check(), CHECK_TIMEOUT_MS);
        return { name, up: true, required: hc.required };
      } catch {
        return { name, up: false, required: hc.required };
      }
    }),
  );
  let status: HealthReport['status'] = 'healthy';
  const out: Record<string, 'up' | 'down'> = {};
  for (const r of results) {
    out[r.name] = r.up ? 'up' : 'down';
    if (!r.up) status = r.required ? 'unhealthy' : status === 'healthy' ? 'degraded' : status;
  }
  return { status, service, timestamp: new Date().toISOString(), checks: out };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
