// Offline validation of Kubernetes objects against the API's OpenAPI schemas, as generated into
// the kubernetes-models packages (and @kubernetes-models/prometheus-operator for its CRDs).
// A kind these packages do not know is an error too: every rendered object must be checked.

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: object) => Validatable;

/** `apps/v1` → the module that holds its kinds; the core group (`v1`) has no group prefix. */
async function loadGroup(apiVersion: string): Promise<Record<string, unknown> | undefined> {
  try {
    if (apiVersion.startsWith('monitoring.coreos.com/')) {
      return (await import(`@kubernetes-models/prometheus-operator/${apiVersion}`)) as Record<string, unknown>;
    }
    return (await import(`kubernetes-models/${apiVersion}`)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export interface ManifestProblem {
  object: string;
  problems: string[];
}

/** The object's name for messages: `Deployment/tickets-users`. */
export function describeObject(object: unknown): string {
  const o = object as { kind?: unknown; metadata?: { name?: unknown } } | null;
  const text = (v: unknown) => (typeof v === 'string' ? v : '?');
  return `${text(o?.kind)}/${text(o?.metadata?.name)}`;
}

/** Validates one object; resolves to the problems found (none when it is valid). */
export async function validateObject(object: unknown): Promise<string[]> {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return ['not a mapping'];
  const { apiVersion, kind } = object as { apiVersion?: unknown; kind?: unknown };
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return ['apiVersion and kind are required'];
  const group = await loadGroup(apiVersion);
  const Model = group?.[kind] as ModelClass | undefined;
  if (typeof Model !== 'function') return [`unknown kind ${kind} in ${apiVersion} (no schema to validate it against)`];
  try {
    new Model(object).validate();
    return [];
  } catch (err) {
    const details = (err as { errors?: { instancePath?: string; message?: string; params?: unknown }[] }).errors;
    if (Array.isArray(details) && details.length > 0) {
      return details.map((d) => `${d.instancePath || '/'}: ${d.message ?? 'invalid'}${d.params ? ` ${JSON.stringify(d.params)}` : ''}`);
    }
    return [err instanceof Error ? err.message : String(err)];
  }
}

/** Validates every object; lists the invalid ones. */
export async function validateObjects(objects: readonly unknown[]): Promise<ManifestProblem[]> {
  const out: ManifestProblem[] = [];
  for (const object of objects) {
    const problems = await validateObject(object);
    if (problems.length > 0) out.push({ object: describeObject(object), problems });
  }
  return out;
}
