import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR } from '../stack/stack-paths';

/**
 * kustomize renders the manifests as `kubectl apply -k` does; kubeconform validates them against
 * JSON schemas kept in k8s/schemas (no network at validation time). Both are built from their Go
 * modules at these versions, so a fresh clone needs Go and the Go module proxy, nothing else.
 */
export const KUBE_TOOLS = {
  kustomize: { module: 'sigs.k8s.io/kustomize/kustomize/v5', version: 'v5.8.2' },
  kubeconform: { module: 'github.com/yannh/kubeconform/cmd/kubeconform', version: 'v0.8.0' },
} as const;

export type KubeTool = keyof typeof KUBE_TOOLS;

const TOOLS_DIR = join(DATA_DIR, 'kube-tools');

function goBinary(): string {
  for (const candidate of ['go', '/usr/local/go/bin/go']) {
    const probe = spawnSync(candidate, ['version'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  throw new Error('kube-tools: Go is needed to build kustomize and kubeconform (go.dev/dl)');
}

/** The path of a tool's binary, built once into .data/kube-tools (a few minutes the first time). */
export function kubeTool(name: KubeTool, timeoutMs = 15 * 60_000): string {
  const { module, version } = KUBE_TOOLS[name];
  const binary = join(TOOLS_DIR, `${name}-${version}`);
  if (existsSync(binary)) return binary;
  const bin = join(TOOLS_DIR, `bin-${name}-${version}`);
  mkdirSync(bin, { recursive: true });
  const result = spawnSync(goBinary(), ['install', `${module}@${version}`], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: {
      ...process.env,
      GOBIN: bin,
      GOPATH: join(TOOLS_DIR, 'go'),
      GOCACHE: join(TOOLS_DIR, 'go-build'),
      // The go.mod's own toolchain line must not make Go fetch another toolchain.
      GOTOOLCHAIN: 'local',
      GOFLAGS: '-modcacherw',
      CGO_ENABLED: '0',
    },
  });
  if (result.status !== 0) {
    throw new Error(
      `kube-tools: go install ${module}@${version} failed: ${result.error?.message ?? result.stderr}`,
    );
  }
  // Renamed only once complete, so an interrupted build is never taken for a finished one.
  renameSync(join(bin, name), binary);
  return binary;
}
