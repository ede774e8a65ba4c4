import type { EventData, ProducerEventType } from '@hookline/contracts';
import { igniteGenerators } from './simulation/ignite-events.generator';
import { ProjectModel } from './simulation/project-model';
import { projectGenerators } from './simulation/project-events.generator';
import { RandomSource, type Random } from './simulation/random-source';

export type { Random };

type Generator = (p: ProjectModel, projectId: string) => EventData<ProducerEventType>;

/**
 * Realistic event data: each project is a small, consistent model of a platform's tenant
 * (deployments with containers, health checks and gateways; members, tokens, secrets), and each
 * event both reads and changes it, so the events read like a real platform's.
 */
export class DomainSimulator {
  private readonly projects = new Map<string, ProjectModel>();
  private readonly rnd: RandomSource;
  private readonly generators: Record<ProducerEventType, Generator>;

  constructor(random: Random = Math.random) {
    this.rnd = new RandomSource(random);
    this.generators = { ...igniteGenerators(this.rnd), ...projectGenerators(this.rnd) } as Record<
      ProducerEventType,
      Generator
    >;
  }

  /** Data of one event of `type` for `projectId`, valid against the catalog. */
  next<T extends ProducerEventType>(type: T, projectId: string): EventData<T> {
    let project = this.projects.get(projectId);
    if (!project) {
      project = new ProjectModel(this.rnd);
      this.projects.set(projectId, project);
    }
    return this.generators[type](project, projectId) as EventData<T>;
  }
}
