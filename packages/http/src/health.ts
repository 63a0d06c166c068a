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

export interface LivenessReport {
  status: 'alive';
  service: string;
  uptime_seconds: number;
}

/** Liveness says only that the process works (its event loop answers), never that a dependency does: a database blip must not get every pod restarted. */
export function livenessReport(service: string): LivenessReport {
  return { status: 'alive', service, uptime_seconds: Math.round(process.uptime()) };
}

export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  service: string;
  timestamp: string;
  checks: Record<string, 'up' | 'down'>;
  /** Present (true) while the process shuts down. */
  draining?: boolean;
}

/** Readiness runs the required checks only: an optional dependency (Redis) that is down degrades the service but must not take it out of its load balancer. */
export async function runReadinessChecks(service: string, checks: Record<string, HealthCheck>): Promise<ReadinessReport> {
  const required = Object.fromEntries(Object.entries(checks).filter(([, c]) => c.required));
  const report = await runHealthChecks(service, required);
  return { status: report.status === 'unhealthy' ? 'not_ready' : 'ready', service, timestamp: report.timestamp, checks: report.checks };
}

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
