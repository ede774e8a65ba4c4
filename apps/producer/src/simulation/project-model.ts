import type { RandomSource } from './random-source';

export const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1'];
export const APPS = ['api', 'web', 'worker', 'scheduler', 'gateway', 'billing', 'search', 'auth'];
export const TIERS = ['free', 'hobby', 'pro', 'enterprise'] as const;
export const ROLES = ['owner', 'admin', 'developer', 'viewer'] as const;
export const SECRET_NAMES = [
  'DATABASE_URL',
  'REDIS_URL',
  'STRIPE_KEY',
  'SENTRY_DSN',
  'JWT_SECRET',
  'S3_BUCKET',
];
const COMPANIES = ['acme', 'globex', 'initech', 'umbrella', 'hooli'];
const FIRST_NAMES = ['ada', 'grace', 'linus', 'margaret', 'ken', 'barbara', 'dennis', 'radia'];

export interface Healthcheck {
  id: string;
  protocol: 'http' | 'tcp';
  port: number;
}

export interface Gateway {
  id: string;
  protocol: 'http' | 'tcp' | 'udp';
  port: number;
}

export interface Deployment {
  id: string;
  name: string;
  image: string;
  region: string;
  replicas: number;
  cpuCores: number;
  memoryMb: number;
  version: number;
  containers: string[];
  healthchecks: Healthcheck[];
  gateways: Gateway[];
}

export interface Member {
  userId: string;
  email: string;
  role: (typeof ROLES)[number];
}

export interface Token {
  id: string;
  name: string;
  createdBy: string;
}

export interface Secret {
  id: string;
  name: string;
}

/**
 * The state of one simulated project: what exists, so events refer to it (metrics name running
 * containers, a deleted gateway was created before). Never empty: removing the last item of a
 * kind keeps it, so every event type can always be generated.
 */
export class ProjectModel {
  readonly name: string;
  tier: (typeof TIERS)[number];
  readonly region: string;
  readonly deployments: Deployment[] = [];
  readonly members: Member[];
  readonly tokens: Token[] = [];
  readonly secrets: Secret[];

  constructor(private readonly rnd: RandomSource) {
    this.name = `${rnd.pick(COMPANIES)}-${rnd.pick(APPS)}`;
    this.tier = rnd.pick(TIERS);
    this.region = rnd.pick(REGIONS);
    this.members = [{ ...this.newMember(), role: 'owner' }];
    this.secrets = [{ id: rnd.id('sec'), name: 'DATABASE_URL' }];
    this.addDeployment();
  }

  addDeployment(): Deployment {
    const name = this.rnd.pick(APPS);
    const d: Deployment = {
      id: this.rnd.id('dep'),
      name,
      image: `registry.example.com/${name}:v1.0`,
      region: this.region,
      replicas: this.rnd.int(1, 4),
      cpuCores: this.rnd.pick([0.5, 1, 2, 4]),
      memoryMb: this.rnd.pick([256, 512, 1024, 2048]),
      version: 1,
      containers: [],
      healthchecks: [{ id: this.rnd.id('hc'), protocol: 'http', port: 8080 }],
      gateways: [{ id: this.rnd.id('gw'), protocol: 'http', port: 443 }],
    };
    for (let i = 0; i < d.replicas; i++) d.containers.push(this.rnd.id('ctr'));
    this.deployments.push(d);
    return d;
  }

  newMember(): Member {
    const name = this.rnd.pick(FIRST_NAMES);
    return {
      userId: this.rnd.id('usr'),
      email: `${name}.${this.rnd.int(1, 999)}@example.com`,
      role: this.rnd.pick(ROLES),
    };
  }

  deployment(): Deployment {
    return this.rnd.pick(this.deployments);
  }

  container(d: Deployment): string {
    if (d.containers.length === 0) d.containers.push(this.rnd.id('ctr'));
    return this.rnd.pick(d.containers);
  }

  healthcheck(d: Deployment): Healthcheck {
    if (d.healthchecks.length === 0)
      d.healthchecks.push({ id: this.rnd.id('hc'), protocol: 'http', port: 8080 });
    return this.rnd.pick(d.healthchecks);
  }

  gateway(d: Deployment): Gateway {
    if (d.gateways.length === 0)
      d.gateways.push({ id: this.rnd.id('gw'), protocol: 'http', port: 443 });
    return this.rnd.pick(d.gateways);
  }

  member(): Member {
    return this.rnd.pick(this.members);
  }

  secret(): Secret {
    return this.rnd.pick(this.secrets);
  }

  /** Removes an item unless it is the last of its kind. */
  remove<T>(list: T[], item: T): T {
    if (list.length > 1) list.splice(list.indexOf(item), 1);
    return item;
  }
}
