import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_TOPIC_POLICY, topicNames, topicSpecs } from '@hookline/contracts';
import {
  K8S_DIR,
  KUSTOMIZATIONS,
  parseManifests,
  render,
  validate,
  type Manifest,
} from './manifest-validator';
import { kubeTool } from './kube-tools.installer';

// The first run builds kustomize and kubeconform from the Go module proxy (minutes on a busy
// machine); later runs find them in .data/kube-tools.
jest.setTimeout(20 * 60_000);

const SERVICES = ['registry', 'fanout', 'dispatcher'];
const byKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);
const named = (manifests: Manifest[], kind: string, name: string) => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};

describe('k8s manifests', () => {
  const rendered = new Map<string, string>();
  beforeAll(() => {
    kubeTool('kustomize');
    kubeTool('kubeconform');
    for (const k of KUSTOMIZATIONS) rendered.set(k, render(k));
  });

  it.each(KUSTOMIZATIONS)(
    '%s: every rendered manifest is valid against the Kubernetes and CRD schemas',
    (k) => {
      const result = validate(rendered.get(k)!);
      expect(result.problems).toEqual([]);
      expect(result.ok).toBe(true);
      expect(result.valid).toBe(parseManifests(rendered.get(k)!).length);
    },
  );

  it('should refuse what the cluster would refuse (unknown field, wrong type, CRD field)', () => {
    const base = rendered.get('base')!;
    const typo = validate(
      base.replace('readOnlyRootFilesystem: true', 'readOnlyRootFileSystem: true'),
    );
    expect(typo.ok).toBe(false);
    expect(typo.problems.join('\n')).toMatch(/readOnlyRootFileSystem/);
    const strimzi = rendered.get('overlays/strimzi')!;
    const topic = validate(strimzi.replace('partitions: 12', 'partitions: twelve'));
    expect(topic.problems.join('\n')).toMatch(/KafkaTopic .*partitions/);
    const cluster = validate(strimzi.replace('instances: 3', 'instance: 3'));
    expect(cluster.problems.join('\n')).toMatch(/Cluster hookline-db/);
  });

  it.each(KUSTOMIZATIONS)('%s: the namespace comes first, every image has a pinned tag', (k) => {
    const manifests = parseManifests(rendered.get(k)!);
    expect(manifests[0]).toMatchObject({ kind: 'Namespace', metadata: { name: 'hookline' } });
    for (const m of manifests.slice(1)) expect(m.metadata.namespace).toBe('hookline');
    const images = rendered.get(k)!.match(/image: \S+/g) ?? [];
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toMatch(/:[\w.-]+$/);
    expect(images.join('\n')).not.toMatch(/:latest$/m);
  });

  it('should name the images and their tag once, in the base kustomization', () => {
    const text = readFileSync(join(K8S_DIR, 'base', 'kustomization.yaml'), 'utf8');
    for (const s of SERVICES) expect(text).toMatch(new RegExp(`name: hookline-${s}, newName: `));
    const tags = new Set(
      parseManifests(rendered.get('overlays/production')!)
        .flatMap((m) => (m.spec?.template?.spec?.containers ?? []) as { image: string }[])
        .map((c) => c.image.split(':')[1]),
    );
    expect(tags.size).toBe(1);
  });

  it('should harden, size, probe and spread every workload', () => {
    const manifests = parseManifests(rendered.get('overlays/production')!);
    const workloads = [...byKind(manifests, 'Deployment'), ...byKind(manifests, 'Job')];
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual([
      'hookline-dispatcher',
      'hookline-fanout',
      'hookline-migrate',
      'hookline-registry',
    ]);
    for (const w of workloads) {
      const pod = w.spec.template.spec;
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      const [container] = pod.containers;
      expect(container.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(container.resources.requests).toEqual(
        expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }),
      );
      expect(container.resources.limits).toEqual(
        expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }),
      );
      if (w.kind !== 'Deployment') continue;
      expect(
        pod.topologySpreadConstraints.map((t: { topologyKey: string }) => t.topologyKey),
      ).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
      expect(container.readinessProbe.httpGet.path).toBe('/readyz');
      expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    }
    // Longer than each service's drain: fan-out 10 s + 3 s steps, dispatcher the delivery timeout
    // (15 s) + 2 s + 3 s steps (fanout.service.ts, dispatcher.ts).
    const grace = (name: string) =>
      named(manifests, 'Deployment', name).spec.template.spec.terminationGracePeriodSeconds;
    expect(grace('hookline-fanout')).toBeGreaterThanOrEqual(30);
    expect(grace('hookline-dispatcher')).toBeGreaterThanOrEqual(45);
    expect(grace('hookline-registry')).toBeGreaterThanOrEqual(30);
    for (const s of SERVICES) named(manifests, 'PodDisruptionBudget', `hookline-${s}`);
    for (const s of ['fanout', 'dispatcher']) {
      expect(
        named(manifests, 'HorizontalPodAutoscaler', `hookline-${s}`).spec.scaleTargetRef.name,
      ).toBe(`hookline-${s}`);
    }
  });

  it('should keep /metrics off the public Service and probe the ports the services serve', () => {
    const manifests = parseManifests(rendered.get('overlays/production')!);
    const service = named(manifests, 'Service', 'hookline-registry');
    expect(service.spec.ports.map((p: { targetPort: string }) => p.targetPort).sort()).toEqual([
      'grpc',
      'http',
    ]);
    for (const s of SERVICES) {
      const container = named(manifests, 'Deployment', `hookline-${s}`).spec.template.spec
        .containers[0];
      const env = Object.fromEntries(
        container.env.map((e: { name: string; value: string }) => [e.name, e.value]),
      );
      const metrics = container.ports.find((p: { name: string }) => p.name === 'metrics');
      expect(String(metrics.containerPort)).toBe(env.HOOKLINE_METRICS_PORT);
      const probePort = container.readinessProbe.httpGet.port;
      const port = container.ports.find((p: { name: string }) => p.name === probePort);
      expect(String(port.containerPort)).toBe(
        s === 'registry' ? env.HOOKLINE_API_PORT : env.HOOKLINE_METRICS_PORT,
      );
    }
  });

  it('should let the dispatcher reach DNS and public 80/443 only, and only the API in', () => {
    const manifests = parseManifests(rendered.get('overlays/production')!);
    const egress = named(manifests, 'NetworkPolicy', 'hookline-dispatcher-egress').spec.egress;
    expect(egress[0].ports).toEqual([
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ]);
    expect(egress[1].ports).toEqual([
      { protocol: 'TCP', port: 80 },
      { protocol: 'TCP', port: 443 },
    ]);
    expect(egress[1].to[0].ipBlock.except).toEqual(
      expect.arrayContaining([
        '10.0.0.0/8',
        '172.16.0.0/12',
        '192.168.0.0/16',
        '169.254.0.0/16',
        '100.64.0.0/10',
        '127.0.0.0/8',
      ]),
    );
    const deny = named(manifests, 'NetworkPolicy', 'hookline-default-deny-ingress').spec;
    expect(deny.policyTypes).toEqual(['Ingress']);
    expect(deny.ingress).toBeUndefined();
    const api = named(manifests, 'NetworkPolicy', 'hookline-registry-api-ingress').spec;
    expect(api.ingress).toEqual([
      {
        ports: [
          { protocol: 'TCP', port: 3000 },
          { protocol: 'TCP', port: 50051 },
        ],
      },
    ]);
  });

  it('should ship placeholder secrets only in the base, and none in production', () => {
    const base = parseManifests(rendered.get('base')!);
    const secret = named(base, 'Secret', 'hookline') as Manifest & {
      stringData: Record<string, string>;
    };
    for (const value of Object.values(secret.stringData)) expect(value).toMatch(/change-me/);
    for (const k of ['overlays/production', 'overlays/strimzi'])
      expect(byKind(parseManifests(rendered.get(k)!), 'Secret')).toEqual([]);
    expect(rendered.get('overlays/local')).not.toMatch(/change-me/i);
  });

  it('strimzi: one KafkaTopic per topic of the code, replicated 3 times, 2 in sync', () => {
    const manifests = parseManifests(rendered.get('overlays/strimzi')!);
    const config = named(manifests, 'ConfigMap', 'hookline').data!;
    const tiers = config.HOOKLINE_RETRY_SCHEDULE.split(',').length;
    const expected = topicSpecs(topicNames('', tiers), Number(config.HOOKLINE_TOPIC_PARTITIONS), {
      ...LOCAL_TOPIC_POLICY,
      replicationFactor: 3,
      minInsyncReplicas: 2,
    });
    const topics = byKind(manifests, 'KafkaTopic');
    expect(
      topics
        .map((t) => ({ topic: t.metadata.name, numPartitions: t.spec.partitions }))
        .sort((a, b) => a.topic.localeCompare(b.topic)),
    ).toEqual(
      expected
        .map(({ topic, numPartitions }) => ({ topic, numPartitions }))
        .sort((a, b) => a.topic.localeCompare(b.topic)),
    );
    for (const t of topics) {
      expect(t.spec.replicas).toBe(3);
      expect(t.spec.config['min.insync.replicas']).toBe(2);
      const spec = expected.find((e) => e.topic === t.metadata.name)!;
      for (const { name, value } of spec.configEntries ?? [])
        expect(String(t.spec.config[name])).toBe(value);
    }
    expect(named(manifests, 'KafkaUser', 'hookline-app').spec.authentication.type).toBe(
      'scram-sha-512',
    );
    expect(named(manifests, 'Kafka', 'hookline-kafka').spec.kafka.config).toMatchObject({
      'default.replication.factor': 3,
      'min.insync.replicas': 2,
    });
    expect(byKind(manifests, 'KafkaNodePool').length).toBeGreaterThan(0);
    named(manifests, 'Cluster', 'hookline-db');
    expect(config.HOOKLINE_KAFKA_CREATE_TOPICS).toBe('false');
  });

  it('production: managed Kafka over TLS and SASL, replicated, traces to a Collector', () => {
    const config = named(
      parseManifests(rendered.get('overlays/production')!),
      'ConfigMap',
      'hookline',
    ).data!;
    expect(config).toMatchObject({
      HOOKLINE_KAFKA_SSL: 'true',
      HOOKLINE_KAFKA_REPLICATION_FACTOR: '3',
      HOOKLINE_KAFKA_MIN_INSYNC_REPLICAS: '2',
    });
    expect(config.HOOKLINE_KAFKA_SASL_MECHANISM).toMatch(/^(plain|scram-sha-256|scram-sha-512)$/);
    expect(config.OTEL_EXPORTER_OTLP_ENDPOINT).toMatch(/otel-collector/);
  });
});
