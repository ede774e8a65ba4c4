import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../stack/stack-paths';
import { kubeTool } from './kube-tools.installer';

export const K8S_DIR = join(REPO_ROOT, 'k8s');
/** Every kustomization an operator may apply, relative to k8s/. */
export const KUSTOMIZATIONS = [
  'base',
  'overlays/local',
  'overlays/production',
  'overlays/strimzi',
] as const;
/** The Kubernetes version whose schemas k8s/schemas/kubernetes holds (k8s/schemas/README.md). */
export const KUBERNETES_SCHEMA_VERSION = 'v1.35.0';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spec?: any;
  data?: Record<string, string>;
}

function run(binary: string, args: string[], timeoutMs: number) {
  const result = spawnSync(binary, args, {
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return result;
}

/** `kustomize build` of one kustomization: the YAML `kubectl apply -k` would send. */
export function render(kustomization: string): string {
  const result = run(kubeTool('kustomize'), ['build', join(K8S_DIR, kustomization)], 60_000);
  if (result.status !== 0) throw new Error(`kustomize build ${kustomization}: ${result.stderr}`);
  return result.stdout;
}

export function parseManifests(yaml: string): Manifest[] {
  return parseAllDocuments(yaml)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

export interface Validation {
  ok: boolean;
  valid: number;
  invalid: number;
  errors: number;
  skipped: number;
  /** kubeconform's lines about the resources that failed. */
  problems: string[];
}

/**
 * kubeconform, strict (unknown fields fail), against the Kubernetes schemas and the CRD schemas of
 * k8s/schemas only: a kind without a schema there is an error, never skipped, and nothing is
 * downloaded.
 */
export function validate(yaml: string): Validation {
  const dir = mkdtempSync(join(tmpdir(), 'hookline-manifests-'));
  try {
    const file = join(dir, 'manifests.yaml');
    writeFileSync(file, yaml);
    const schemas = join(K8S_DIR, 'schemas');
    const result = run(
      kubeTool('kubeconform'),
      [
        '-strict',
        '-summary',
        '-output',
        'json',
        '-schema-location',
        join(
          schemas,
          'kubernetes',
          KUBERNETES_SCHEMA_VERSION,
          '{{ .ResourceKind }}{{ .KindSuffix }}.json',
        ),
        '-schema-location',
        join(schemas, 'crds', '{{ .Group }}', '{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'),
        file,
      ],
      60_000,
    );
    const report = JSON.parse(result.stdout) as {
      resources?: { kind: string; name: string; status: string; msg: string }[];
      summary: { valid: number; invalid: number; errors: number; skipped: number };
    };
    return {
      ok: result.status === 0 && report.summary.skipped === 0,
      ...report.summary,
      problems: (report.resources ?? [])
        .filter((r) => r.status !== 'statusValid')
        .map((r) => `${r.kind} ${r.name}: ${r.status} ${r.msg}`),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
