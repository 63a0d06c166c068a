// The chart gate's own checks (scripts/check-helm.ts): the offline schema validation reports a
// broken object with the field at fault, and the chart's promises (probes, HPA, PDB, migration
// hook) are checked. CI renders the real chart with Helm and runs the same checks on it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chartProblems, readSettings, settingProblems, shutdownProblems, shutdownTimeoutMs } from '../scripts/check-helm.ts';
import { validateObject, validateObjects } from '../scripts/lib/k8s-validate.ts';

const labels = { 'app.kubernetes.io/component': 'users' };
const selector = { matchLabels: { app: 'users' } };
function deployment(overrides: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'tickets-users', labels },
    spec: {
      selector,
      template: {
        metadata: { labels: selector.matchLabels },
        spec: {
          containers: [
            {
              name: 'users',
              image: 'ticketing:1',
              ports: [{ name: 'http', containerPort: 8081 }],
              livenessProbe: { httpGet: { path: '/health/live', port: 'http' } },
              readinessProbe: { httpGet: { path: '/health/ready', port: 'http' } },
            },
          ],
        },
      },
      ...overrides,
    },
  };
}

describe('Kubernetes schema validation (offline)', () => {
  it('accepts a valid Deployment', async () => {
    assert.deepEqual(await validateObject(deployment()), []);
  });

  it('reports a broken Deployment with the field at fault', async () => {
    assert.match((await validateObject(deployment({ replicas: 'two' }))).join('\n'), /\/spec\/replicas: must be integer/);
    const noSelector = deployment();
    delete (noSelector.spec as { selector?: unknown }).selector;
    assert.match((await validateObject(noSelector)).join('\n'), /must have required property selector/);
    const badPort = deployment();
    (badPort.spec.template.spec.containers[0]!.ports[0] as { containerPort: unknown }).containerPort = 'http';
    assert.match((await validateObject(badPort)).join('\n'), /containerPort: must be integer/);
  });

  it('validates the prometheus-operator kinds, and refuses a kind it has no schema for', async () => {
    const monitor = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'm' },
      spec: { selector: {}, endpoints: [{ port: 'http', interval: 15 }] },
    };
    assert.match((await validateObject(monitor)).join('\n'), /interval: must be string/);
    assert.match((await validateObject({ apiVersion: 'v1', kind: 'Servise', metadata: { name: 'x' } })).join('\n'), /unknown kind Servise/);
    const found = await validateObjects([deployment(), deployment({ replicas: -1.5 })]);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.object, 'Deployment/tickets-users');
  });
});

describe('the chart promises', () => {
  it('names a Deployment without HPA, PDB, readiness probe or migration hook', () => {
    const d = deployment();
    d.spec.template.spec.containers[0]!.readinessProbe = { httpGet: { path: '/health', port: 'http' } };
    const problems = chartProblems([d] as never, 'default').join('\n');
    assert.match(problems, /tickets-users: no HorizontalPodAutoscaler/);
    assert.match(problems, /tickets-users: no PodDisruptionBudget/);
    assert.match(problems, /tickets-users: readiness probe is not \/health\/ready/);
    assert.match(problems, /no migration Job/);
    assert.match(problems, /no Deployment for bookings-worker/);
  });

  it('holds the ingress to the web edge’s routing table', () => {
    const path = (p: string, component: string) => ({
      path: p,
      pathType: 'Prefix',
      backend: { service: { name: `tickets-${component}`, port: { name: 'http' } } },
    });
    const ingress = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'tickets' },
      spec: {
        rules: [
          {
            http: {
              paths: [path('/api/users', 'bookings'), path('/api/events', 'events'), path('/api/extra', 'events'), path('/', 'web')],
            },
          },
        ],
      },
    };
    const problems = chartProblems([ingress] as never, 'production').join('\n');
    assert.match(problems, /Ingress: \/api\/users goes to tickets-bookings, the web edge sends it to users/);
    assert.match(problems, /Ingress: no route for \/api\/users\/\[\^\/\]\+\/bookings/);
    assert.match(problems, /Ingress: no route for \/api\/booking \(the web edge sends it to bookings\)/);
    assert.match(problems, /Ingress: \/api\/extra is not a route of the web edge/);
    assert.doesNotMatch(problems, /no route for \/api\/events \(|no route for \/ \(/);
  });

  it('finds the settings whose default points at the pod itself, from the services’ own config', () => {
    const settings = readSettings();
    assert.ok(settings.loopbackDefaults.users!.includes('WEB_PUBLIC_URL'));
    assert.ok(settings.loopbackDefaults.notifications!.includes('WEBHOOKS_MANAGE_URL'));
    assert.ok(settings.loopbackDefaults['bookings-worker']!.includes('EVENTS_URL'));
    assert.ok(settings.loopbackDefaults.web!.includes('USERS_URL'));
    assert.ok(!settings.loopbackDefaults.web!.includes('DATABASE_URL'), 'the edge has no database');
    assert.ok(settings.known.has('KAFKA_PARTITIONS') && settings.secretKeys.has('DATABASE_URL'));
  });

  it('names a loopback default left in place, a loopback value and a ConfigMap key no process reads', () => {
    const settings = {
      loopbackDefaults: { users: ['WEB_PUBLIC_URL', 'REDIS_URL', 'DATABASE_URL'] },
      known: new Set(['WEB_PUBLIC_URL', 'REDIS_URL', 'DATABASE_URL', 'LOG_LEVEL']),
      secretKeys: new Set(['DATABASE_URL']),
    };
    const d = deployment();
    Object.assign(d.spec.template.spec.containers[0]!, {
      envFrom: [{ configMapRef: { name: 'tickets' } }, { secretRef: { name: 'managed-elsewhere' } }],
      env: [{ name: 'REDIS_URL', value: 'redis://localhost:6379' }],
    });
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'tickets' },
      data: { LOG_LEVEL: 'info', WEB_PUBLIC_ULR: 'x' },
    };
    const problems = settingProblems([d, configMap] as never, settings).join('\n');
    assert.match(problems, /tickets-users: WEB_PUBLIC_URL is not set/);
    assert.match(problems, /tickets-users: REDIS_URL is redis:\/\/localhost:6379, a loopback address/);
    assert.match(problems, /ConfigMap tickets: WEB_PUBLIC_ULR is read by no process/);
    assert.doesNotMatch(problems, /DATABASE_URL/, 'a secret kept outside the chart counts as set');
    configMap.data = { LOG_LEVEL: 'info', WEB_PUBLIC_URL: 'https://tickets.example.com', REDIS_MODE: 'sentinel' } as never;
    settings.known.add('REDIS_MODE');
    assert.deepEqual(settingProblems([d, configMap] as never, settings), []);
  });

  it('computes each process’s shutdown timeout from its pod’s settings, as its entry point does', () => {
    const env = (entries: Record<string, string>) => new Map(Object.entries(entries));
    assert.equal(shutdownTimeoutMs('users', env({})), 15_000);
    // Simulated payments: two calls of 2 s, three tries of the event service's 5 s, 5 s to leave.
    assert.equal(shutdownTimeoutMs('bookings-worker', env({})), 24_000);
    // Stripe: a call is 3 tries of 20 s. NODE_ENV=production needs no secrets here.
    assert.equal(shutdownTimeoutMs('bookings-worker', env({ PAYMENT_PROVIDER: 'stripe', NODE_ENV: 'production' })), 140_000);
    assert.equal(shutdownTimeoutMs('bookings-worker', env({ WORKER_DRAIN_TIMEOUT_MS: '30000' })), 30_000);
    // The API runs the worker pool unless told otherwise: its HTTP drain comes first.
    assert.equal(shutdownTimeoutMs('bookings', env({})), 34_000);
    assert.equal(shutdownTimeoutMs('bookings', env({ WORKER_ENABLED: 'false' })), 15_000);
    assert.equal(shutdownTimeoutMs('notifications-worker', env({ NOTIFICATIONS_DRAIN_TIMEOUT_MS: '40000' })), 40_000);
  });

  it('names a pod whose grace period ends before its preStop pause and drain do', () => {
    const worker = (grace: number | undefined, provider: string) => {
      const d = deployment();
      d.metadata = { name: 'tickets-bookings-worker', labels: { 'app.kubernetes.io/component': 'bookings-worker' } };
      Object.assign(d.spec.template.spec, grace === undefined ? {} : { terminationGracePeriodSeconds: grace });
      Object.assign(d.spec.template.spec.containers[0]!, {
        env: [{ name: 'PAYMENT_PROVIDER', value: provider }],
        lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
      });
      return d;
    };
    assert.deepEqual(shutdownProblems([worker(60, 'simulated')] as never), []);
    assert.match(
      shutdownProblems([worker(90, 'stripe')] as never).join('\n'),
      /tickets-bookings-worker: terminationGracePeriodSeconds is 90, less than its preStop pause \(5 s\) and shutdown timeout \(140 s\)/,
    );
    assert.deepEqual(shutdownProblems([worker(145, 'stripe')] as never), []);
    // Kubernetes' default of 30 s when the chart sets none.
    assert.match(shutdownProblems([worker(undefined, 'stripe')] as never).join('\n'), /terminationGracePeriodSeconds is 30/);
  });
});
