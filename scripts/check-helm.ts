// The Helm chart's gate (CI runs it after the fast gates; `npm run check:helm` by hand):
//   1. helm lint --strict, with the default values and with values-production.yaml;
//   2. helm template with each, as an install and as an upgrade;
//   3. every rendered object validated against the Kubernetes schemas, offline
//      (scripts/lib/k8s-validate.ts), plus the chart's own promises (probes, an HPA and a PDB per
//      Deployment, the migration hook, the ingress routes of the web edge).
// Exits 1 and names every problem when anything fails. Helm is installed by scripts/helm.sh.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { routes as edgeRoutes } from '@ticketing/web-service';
import { describeObject, validateObjects } from './lib/k8s-validate.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const CHART = path.join(ROOT, 'deploy/helm/ticketing');
// The oldest Kubernetes the chart is checked for (Chart.yaml says >=1.25); HPA v2 and PDB v1 are GA there.
const KUBE_VERSION = process.env.KUBE_VERSION ?? '1.29.0';
const VALUE_SETS: Record<string, string[]> = {
  default: [],
  production: ['-f', path.join(CHART, 'values-production.yaml')],
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
  if (valueSet === 'production') {
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

async function main(): Promise<void> {
  const failures: string[] = [];
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
      for (const p of chartProblems(objects, name)) failures.push(`${label}: ${p}`);
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
