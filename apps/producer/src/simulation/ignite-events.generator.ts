import type { EventData, ProducerEventType } from '@hookline/contracts';
import type { Deployment, Gateway, Healthcheck, ProjectModel } from './project-model';
import type { RandomSource } from './random-source';

type IgniteType = Extract<ProducerEventType, `ignite.${string}`>;
export type IgniteGenerators = {
  [T in IgniteType]: (p: ProjectModel, projectId: string) => EventData<T>;
};

type ContainerState = EventData<'ignite.deployment.container.created'>['state'];

/** Deployments, builds, rollouts, containers and their metrics, health checks, gateways. */
export function igniteGenerators(rnd: RandomSource): IgniteGenerators {
  const ref = (pid: string, d: Deployment) => ({ deployment_id: d.id, project_id: pid });
  const deployment = (pid: string, d: Deployment) => ({
    ...ref(pid, d),
    name: d.name,
    image: d.image,
    region: d.region,
    replicas: d.replicas,
    cpu_cores: d.cpuCores,
    memory_mb: d.memoryMb,
  });
  const build = (
    pid: string,
    d: Deployment,
    status: 'pending' | 'building' | 'succeeded' | 'failed',
  ) => ({
    ...ref(pid, d),
    build_id: `bld_${d.id.slice(4)}_${d.version}`,
    status,
    git_sha: rnd.hex(20),
    ...(status === 'succeeded' || status === 'failed'
      ? { duration_ms: rnd.int(20_000, 400_000) }
      : {}),
  });
  const rollout = (
    pid: string,
    d: Deployment,
    state: 'pending' | 'in_progress' | 'finished' | 'failed',
  ) => ({
    ...ref(pid, d),
    rollout_id: `ro_${d.id.slice(4)}_${d.version}`,
    version: d.version,
    state,
    ...(state === 'failed' ? { reason: 'health checks failed on 2 of 3 containers' } : {}),
  });
  const container = (pid: string, d: Deployment, id: string, state: ContainerState) => ({
    ...ref(pid, d),
    container_id: id,
    state,
    region: d.region,
    ...(state === 'crashed' ? { exit_code: 137 } : {}),
  });
  const healthcheck = (pid: string, d: Deployment, hc: Healthcheck) => ({
    ...ref(pid, d),
    healthcheck_id: hc.id,
    protocol: hc.protocol,
    ...(hc.protocol === 'http' ? { path: '/healthz' } : {}),
    port: hc.port,
    interval_s: rnd.pick([10, 15, 30]),
    timeout_s: 5,
  });
  const gateway = (pid: string, d: Deployment, gw: Gateway) => ({
    ...ref(pid, d),
    gateway_id: gw.id,
    protocol: gw.protocol,
    target_port: gw.port,
    ...(gw.protocol === 'http'
      ? { hostname: `${d.name}-${d.id.slice(-6).toLowerCase()}.example.app` }
      : {}),
  });

  return {
    'ignite.deployment.created': (p, pid) => deployment(pid, p.addDeployment()),
    'ignite.deployment.updated': (p, pid) => {
      const d = p.deployment();
      d.replicas = rnd.int(1, 8);
      d.image = `${d.image.split(':')[0]}:v${++d.version}.${rnd.int(0, 9)}`;
      return deployment(pid, d);
    },
    'ignite.deployment.deleted': (p, pid) => ref(pid, p.remove(p.deployments, p.deployment())),
    'ignite.deployment.build.created': (p, pid) => build(pid, p.deployment(), 'pending'),
    'ignite.deployment.build.started': (p, pid) => build(pid, p.deployment(), 'building'),
    'ignite.deployment.build.updated': (p, pid) =>
      build(pid, p.deployment(), rnd.chance(0.9) ? 'succeeded' : 'failed'),
    'ignite.deployment.rollout.created': (p, pid) => rollout(pid, p.deployment(), 'pending'),
    'ignite.deployment.rollout.updated': (p, pid) =>
      rollout(
        pid,
        p.deployment(),
        rnd.pick(['in_progress', 'finished', 'finished', 'failed'] as const),
      ),
    'ignite.deployment.container.created': (p, pid) => {
      const d = p.deployment();
      const id = rnd.id('ctr');
      d.containers.push(id);
      return container(pid, d, id, 'pending');
    },
    'ignite.deployment.container.updated': (p, pid) => {
      const d = p.deployment();
      return container(
        pid,
        d,
        p.container(d),
        rnd.pick(['running', 'running', 'running', 'stopped', 'crashed'] as const),
      );
    },
    'ignite.deployment.container.metrics_update': (p, pid) => {
      const d = p.deployment();
      const memoryPercent = Math.round((20 + rnd.random() * 70) * 100) / 100;
      return {
        ...ref(pid, d),
        container_id: p.container(d),
        metrics: {
          memory_usage_percent: memoryPercent,
          memory_usage_bytes: Math.round((d.memoryMb * 1024 * 1024 * memoryPercent) / 100),
          cpu_usage_percent: Math.round(rnd.random() * d.cpuCores * 100 * 100) / 100,
          network_rx_bytes: rnd.int(0, 50_000_000),
          network_tx_bytes: rnd.int(0, 20_000_000),
        },
      };
    },
    'ignite.deployment.container.deleted': (p, pid) => {
      const d = p.deployment();
      const id = p.remove(d.containers, p.container(d));
      return { ...container(pid, d, id, 'exited'), exit_code: rnd.pick([0, 0, 0, 137, 1]) };
    },
    'ignite.deployment.healthcheck.created': (p, pid) => {
      const d = p.deployment();
      const hc: Healthcheck = {
        id: rnd.id('hc'),
        protocol: rnd.pick(['http', 'tcp'] as const),
        port: rnd.pick([80, 8080, 3000]),
      };
      d.healthchecks.push(hc);
      return healthcheck(pid, d, hc);
    },
    'ignite.deployment.healthcheck.updated': (p, pid) => {
      const d = p.deployment();
      return healthcheck(pid, d, p.healthcheck(d));
    },
    'ignite.deployment.healthcheck.deleted': (p, pid) => {
      const d = p.deployment();
      return { ...ref(pid, d), healthcheck_id: p.remove(d.healthchecks, p.healthcheck(d)).id };
    },
    'ignite.deployment.healthcheck.events.failed': (p, pid) => {
      const d = p.deployment();
      const timedOut = rnd.chance(0.5);
      return {
        ...ref(pid, d),
        healthcheck_id: p.healthcheck(d).id,
        container_id: p.container(d),
        ...(timedOut ? {} : { status_code: rnd.pick([500, 502, 503]) }),
        latency_ms: timedOut ? 5000 : rnd.int(5, 900),
        message: timedOut ? 'timed out after 5 s' : 'unhealthy response',
      };
    },
    'ignite.deployment.healthcheck.events.succeeded': (p, pid) => {
      const d = p.deployment();
      return {
        ...ref(pid, d),
        healthcheck_id: p.healthcheck(d).id,
        container_id: p.container(d),
        status_code: 200,
        latency_ms: rnd.int(1, 120),
      };
    },
    'ignite.deployment.gateway.created': (p, pid) => {
      const d = p.deployment();
      const gw: Gateway = {
        id: rnd.id('gw'),
        protocol: rnd.pick(['http', 'http', 'tcp', 'udp'] as const),
        port: rnd.pick([80, 443, 8080, 5432]),
      };
      d.gateways.push(gw);
      return gateway(pid, d, gw);
    },
    'ignite.deployment.gateway.updated': (p, pid) => {
      const d = p.deployment();
      return gateway(pid, d, p.gateway(d));
    },
    'ignite.deployment.gateway.deleted': (p, pid) => {
      const d = p.deployment();
      return { ...ref(pid, d), gateway_id: p.remove(d.gateways, p.gateway(d)).id };
    },
  };
}
