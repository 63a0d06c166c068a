// The Helm chart's gate (CI runs it after the fast gates; `npm run check:helm` by hand):
//   1. helm lint --strict, with the default values and with values-production.yaml;
//   2. helm template with each, as an install and as an upgrade;
//   3. every rendered object validated against the Kubernetes schemas, offline
//      (scripts/lib/k8s-validate.ts), plus the chart's own promises (probes, an HPA and a PDB per
//      Deployment, the migration hook, the ingress routes of the web edge, every setting whose
//      default is a loopback address set for the pods that read it, no ConfigMap key that no
//      process reads, and a grace period that covers each process's preStop pause and shutdown).
// Exits 1 and names every problem when anything fails. Helm is installed by scripts/helm.sh.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { commonEnv, ticketsEnv } from '@ticketing/config';
import { bookingsEnv, drainTimeoutMs, loadBookingsConfig, serverShutdownTimeoutMs } from '@ticketing/bookings-service';
import { SHUTDOWN_TIMEOUT_MS } from '@ticketing/http';
import { eventsEnv, loadEventsConfig } from '@ticketing/events-service';
import { loadNotificationsConfig, notificationsEnv } from '@ticketing/notifications-service';
import { loadUsersConfig, usersEnv } from '@ticketing/users-service';
import { routes as edgeRoutes, loadWebConfig, webEnv } from '@ticketing/web-service';
import { describeObject, validateObjects } from './lib/k8s-validate.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const CHART = path.join(ROOT, 'deploy/helm/ticketing');
// The oldest Kubernetes the chart is checked for (Chart.yaml says >=1.25); HPA v2 and PDB v1 are GA there.
const KUBE_VERSION = process.env.KUBE_VERSION ?? '1.29.0';
const VALUE_SETS: Record<string, string[]> = {
  default: [],
  production: ['-f', path.join(CHART, 'values-production.yaml')],
  // Real payments: the bookings worker's drain then waits for Stripe's timeouts and retries.
  'production with Stripe': ['-f', path.join(CHART, 'values-production.yaml'), '--set', 'config.PAYMENT_PROVIDER=stripe'],
};

async function helm(args: string[]): Promise<string> {
  try {
    const { stdout } = await run('bash', [path.join(ROOT, 'scripts/helm.sh'), ...args], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`helm ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
};

/** What the chart promises beyond the schemas. */
export function chartProblems(objects: K8sObject[], valueSet: string): string[] {
  const problems: string[] = [];
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const deployments = byKind('Deployment');
  const components = deployments.map((d) => d.metadata.labels?.['app.kubernetes.io/component']);
  for (const wanted of ['users', 'events', 'bookings', 'bookings-worker', 'notifications', 'notifications-worker', 'web']) {
    if (!components.includes(wanted)) problems.push(`no Deployment for ${wanted}`);
  }
  const targets = (kind: string) =>
    new Set(byKind(kind).map((o) => (o.spec?.scaleTargetRef as { name?: string } | undefined)?.name ?? describeObject(o)));
  const hpas = targets('HorizontalPodAutoscaler');
  const pdbs = byKind('PodDisruptionBudget').map((p) => (p.spec?.selector as { matchLabels?: Record<string, string> })?.matchLabels);
  for (const d of deployments) {
    const name = d.metadata.name;
    if (!hpas.has(name)) problems.push(`${name}: no HorizontalPodAutoscaler`);
    const selector = (d.spec?.selector as { matchLabels: Record<string, string> }).matchLabels;
    if (!pdbs.some((m) => JSON.stringify(m) === JSON.stringify(selector))) problems.push(`${name}: no PodDisruptionBudget`);
    const containers = (d.spec?.template as { spec: { containers: Record<string, { httpGet?: { path?: string } }>[] } }).spec.containers;
    for (const c of containers) {
      if (c.livenessProbe?.httpGet?.path !== '/health/live') problems.push(`${name}: liveness probe is not /health/live`);
      if (c.readinessProbe?.httpGet?.path !== '/health/ready') problems.push(`${name}: readiness probe is not /health/ready`);
    }
  }
  const job = byKind('Job').find((j) => j.metadata.annotations?.['helm.sh/hook']?.includes('pre-upgrade'));
  if (!job) problems.push('no migration Job hooked to pre-install,pre-upgrade');
  if (!byKind('ConfigMap').length) problems.push('no ConfigMap');
  if (valueSet.startsWith('production')) {
    // The ingress routes exactly as the web edge does (services/web `routes`), the rest to the edge.
    const ingress = byKind('Ingress')[0];
    type Path = { path: string; backend: { service: { name: string } } };
    const paths = (ingress?.spec?.rules as { http: { paths: Path[] } }[] | undefined)?.[0]?.http.paths ?? [];
    const expected = [
      ...edgeRoutes.map((r) => ({ path: r.prefix.replace(/:[^/]+/g, '[^/]+'), component: r.upstream })),
      { path: '/', component: 'web' },
    ];
    for (const e of expected) {
      const found = paths.find((p) => p.path === e.path);
      if (!found) problems.push(`Ingress: no route for ${e.path} (the web edge sends it to ${e.component})`);
      else if (!found.backend.service.name.endsWith(`-${e.component}`)) {
        problems.push(`Ingress: ${e.path} goes to ${found.backend.service.name}, the web edge sends it to ${e.component}`);
      }
    }
    for (const p of paths) if (!expected.some((e) => e.path === p.path)) problems.push(`Ingress: ${p.path} is not a route of the web edge`);
    for (const kind of ['ServiceMonitor', 'PrometheusRule']) if (!byKind(kind).length) problems.push(`no ${kind}`);
  }
  return problems;
}

/** What the pods read: per component, the variables whose default is a loopback address (wrong in a cluster). */
export interface Settings {
  /** Component → variables it reads whose default points at this machine (a URL, host or broker list). */
  loopbackDefaults: Record<string, string[]>;
  /** Every variable some process reads (a ConfigMap key outside it is a typo or a leftover). */
  known: Set<string>;
  /** Variables that come from the Secret (or existingSecret), not the ConfigMap. */
  secretKeys: Set<string>;
}

const LOOPBACK = /(^|[/@,])(127\.0\.0\.1|localhost|\[::1\])([:/,]|$)/;

/** The variables each component reads, and their defaults, from the services' own config loaders. */
export function readSettings(): Settings {
  const services: Record<string, [Record<string, string>, () => unknown]> = {
    users: [usersEnv, () => loadUsersConfig(undefined, {})],
    events: [eventsEnv, () => loadEventsConfig(undefined, {})],
    bookings: [bookingsEnv, () => loadBookingsConfig(undefined, {})],
    notifications: [notificationsEnv, () => loadNotificationsConfig(undefined, {})],
    web: [webEnv, () => loadWebConfig(undefined, {})],
  };
  const componentService: Record<string, string> = {
    users: 'users',
    events: 'events',
    bookings: 'bookings',
    'bookings-worker': 'bookings',
    notifications: 'notifications',
    'notifications-worker': 'notifications',
    web: 'web',
  };
  const known = new Set<string>([...Object.keys(commonEnv), ...Object.keys(ticketsEnv), 'NODE_ENV', 'SECRETS_FILE']);
  const loopbackByService: Record<string, string[]> = {};
  for (const [service, [env, load]] of Object.entries(services)) {
    const defaults = load();
    loopbackByService[service] = [];
    for (const [name, configPath] of Object.entries({ ...commonEnv, ...env })) {
      known.add(name);
      const value = configPath
        .replace(/\[\]$/, '')
        .split('.')
        .reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], defaults);
      if (typeof value === 'string' && LOOPBACK.test(value)) loopbackByService[service].push(name);
    }
  }
  const values = parseYaml(readFileSync(path.join(CHART, 'values.yaml'), 'utf8')) as { secrets: Record<string, unknown> };
  return {
    loopbackDefaults: Object.fromEntries(Object.entries(componentService).map(([c, s]) => [c, loopbackByService[s] ?? []])),
    known,
    secretKeys: new Set(Object.keys(values.secrets)),
  };
}

/** Settings another one makes unused. */
const UNUSED_WHEN: Record<string, (env: Map<string, string>) => boolean> = {
  // Sentinel and Cluster are reached through REDIS_SENTINELS / REDIS_CLUSTER_NODES.
  REDIS_URL: (env) => ['sentinel', 'cluster'].includes(env.get('REDIS_MODE') ?? ''),
};

type Container = {
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: string }[];
};

type PodSpec = {
  terminationGracePeriodSeconds?: number;
  containers: (Container & { lifecycle?: { preStop?: { exec?: { command?: string[] } } } })[];
};

function podSpec(deployment: K8sObject): PodSpec {
  return (deployment.spec?.template as { spec: PodSpec }).spec;
}

/**
 * The environment a container gets from the rendered ConfigMaps, Secrets and its own `env`;
 * `externalSecret` when it reads a Secret the chart does not render (existingSecret).
 */
function containerEnv(objects: K8sObject[], c: Container): { env: Map<string, string>; externalSecret: boolean } {
  const data = (kind: string, name: string) => {
    const o = (objects as (K8sObject & { data?: Record<string, string> })[]).find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) return undefined;
    const entries = Object.entries(o.data ?? {});
    return new Map(kind === 'Secret' ? entries.map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]) : entries);
  };
  const env = new Map<string, string>();
  let externalSecret = false;
  for (const from of c.envFrom ?? []) {
    const source = from.configMapRef ? data('ConfigMap', from.configMapRef.name) : data('Secret', from.secretRef!.name);
    if (!source && from.secretRef) externalSecret = true;
    for (const [k, v] of source ?? []) env.set(k, v);
  }
  for (const e of c.env ?? []) if (e.value !== undefined) env.set(e.name, e.value);
  return { env, externalSecret };
}

/**
 * How long a component's process may take to stop after SIGTERM: the limit its entry point gives
 * onShutdown, from the configuration its environment makes. The secrets a production config
 * demands are not in the chart (existingSecret) and no timeout depends on them, so the config is
 * loaded as outside production, with a placeholder Stripe key when Stripe is the provider.
 */
export function shutdownTimeoutMs(component: string, podEnv: ReadonlyMap<string, string>): number {
  const env: Record<string, string> = { ...Object.fromEntries(podEnv), NODE_ENV: 'development' };
  if (env.PAYMENT_PROVIDER === 'stripe') env.STRIPE_SECRET_KEY ||= 'sk_test_placeholder';
  switch (component) {
    case 'bookings':
      return serverShutdownTimeoutMs(loadBookingsConfig(undefined, env)) ?? SHUTDOWN_TIMEOUT_MS;
    case 'bookings-worker':
      return drainTimeoutMs(loadBookingsConfig(undefined, env));
    case 'notifications-worker':
      return loadNotificationsConfig(undefined, env).worker.drainTimeoutMs;
    default:
      return SHUTDOWN_TIMEOUT_MS;
  }
}

/**
 * Pods that Kubernetes would kill in the middle of their drain: the grace period must cover the
 * preStop pause and the process's shutdown timeout (a bookings worker finishing its payments).
 */
export function shutdownProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const d of objects.filter((o) => o.kind === 'Deployment')) {
    const component = d.metadata.labels?.['app.kubernetes.io/component'] ?? '';
    const spec = podSpec(d);
    // Kubernetes' default when the field is absent.
    const grace = spec.terminationGracePeriodSeconds ?? 30;
    for (const c of spec.containers) {
      const command = c.lifecycle?.preStop?.exec?.command ?? [];
      const pause = command[0] === 'sleep' ? Number(command[1]) : 0;
      const shutdown = Math.ceil(shutdownTimeoutMs(component, containerEnv(objects, c).env) / 1000);
      if (pause + shutdown > grace) {
        problems.push(
          `${d.metadata.name}: terminationGracePeriodSeconds is ${grace}, less than its preStop pause (${pause} s) and shutdown timeout (${shutdown} s): Kubernetes would kill it while it drains`,
        );
      }
    }
  }
  return problems;
}

/** Settings the pods need: every loopback default overridden, and no ConfigMap key nobody reads. */
export function settingProblems(objects: K8sObject[], settings: Settings): string[] {
  const problems: string[] = [];
  for (const configMap of objects.filter((o) => o.kind === 'ConfigMap')) {
    const keys = Object.keys((configMap as { data?: Record<string, string> }).data ?? {});
    // Only the settings ConfigMap (the one the pods take as environment variables) holds variables.
    if (!keys.some((k) => /^[A-Z][A-Z0-9_]*$/.test(k))) continue;
    for (const key of keys) {
      if (!settings.known.has(key) && !key.startsWith('OTEL_'))
        problems.push(`ConfigMap ${configMap.metadata.name}: ${key} is read by no process`);
    }
  }
  for (const d of objects.filter((o) => o.kind === 'Deployment')) {
    const component = d.metadata.labels?.['app.kubernetes.io/component'] ?? '';
    for (const c of podSpec(d).containers) {
      const { env, externalSecret } = containerEnv(objects, c);
      for (const name of settings.loopbackDefaults[component] ?? []) {
        if (UNUSED_WHEN[name]?.(env)) continue;
        const value = env.get(name);
        if (value === undefined) {
          if (!(externalSecret && settings.secretKeys.has(name)))
            problems.push(`${d.metadata.name}: ${name} is not set (its default points at the pod itself)`);
        } else if (LOOPBACK.test(value)) {
          problems.push(`${d.metadata.name}: ${name} is ${value}, a loopback address`);
        }
      }
    }
  }
  return problems;
}

async function main(): Promise<void> {
  const failures: string[] = [];
  const settings = readSettings();
  for (const [name, values] of Object.entries(VALUE_SETS)) {
    try {
      await helm(['lint', '--strict', '--kube-version', KUBE_VERSION, CHART, ...values]);
      console.log(`helm lint --strict (${name} values): ok`);
    } catch (err) {
      failures.push((err as Error).message);
      continue;
    }
    for (const upgrade of [false, true]) {
      const label = `${name} values, ${upgrade ? 'upgrade' : 'install'}`;
      let text: string;
      try {
        text = await helm([
          'template',
          'tickets',
          CHART,
          '--namespace',
          'tickets',
          '--kube-version',
          KUBE_VERSION,
          ...(upgrade ? ['--is-upgrade'] : []),
          ...values,
        ]);
      } catch (err) {
        failures.push(`${label}: ${(err as Error).message}`);
        continue;
      }
      const docs = parseAllDocuments(text);
      const parseErrors = docs.flatMap((d) => d.errors.map((e) => e.message));
      if (parseErrors.length > 0) {
        failures.push(`${label}: rendered YAML does not parse:\n  ${parseErrors.join('\n  ')}`);
        continue;
      }
      const objects = docs.map((d) => d.toJS() as unknown).filter((o): o is K8sObject => o !== null && o !== undefined);
      const invalid = await validateObjects(objects);
      for (const i of invalid) failures.push(`${label}: ${i.object} is invalid:\n  ${i.problems.join('\n  ')}`);
      for (const p of [...chartProblems(objects, name), ...settingProblems(objects, settings), ...shutdownProblems(objects)])
        failures.push(`${label}: ${p}`);
      console.log(`helm template (${label}): ${objects.length} objects, ${invalid.length} invalid`);
    }
  }
  // The gate proves itself on every run: a value that renders an invalid object must be caught.
  const broken = await helm([
    'template',
    'tickets',
    CHART,
    '--kube-version',
    KUBE_VERSION,
    '--set',
    'components.users.autoscaling.enabled=false',
    '--set-string',
    'components.users.replicas=two',
  ]);
  const caught = await validateObjects(
    parseAllDocuments(broken)
      .map((d) => d.toJS() as unknown)
      .filter(Boolean),
  );
  if (!caught.some((c) => c.object.endsWith('-users') && c.problems.some((p) => p.startsWith('/spec/replicas')))) {
    failures.push(`self-test: a Deployment with replicas "two" was not reported invalid (${JSON.stringify(caught)})`);
  } else {
    console.log('self-test: a Deployment rendered with replicas "two" is reported invalid');
  }

  if (failures.length > 0) {
    console.error(`\nThe chart has ${failures.length} problem(s):\n${failures.join('\n')}`);
    process.exit(1);
  }
  console.log('the chart is valid');
}

if (import.meta.filename === process.argv[1]) await main();
