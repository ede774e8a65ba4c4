import type { EventData, ProducerEventType } from '@hookline/contracts';
import {
  ROLES,
  SECRET_NAMES,
  TIERS,
  type Member,
  type ProjectModel,
  type Secret,
  type Token,
} from './project-model';
import type { RandomSource } from './random-source';

type ProjectType = Extract<ProducerEventType, `project.${string}`>;
export type ProjectGenerators = {
  [T in ProjectType]: (p: ProjectModel, projectId: string) => EventData<T>;
};

const DAY_MS = 86_400_000;

/** The project itself, its members, access tokens, secrets and money. */
export function projectGenerators(rnd: RandomSource): ProjectGenerators {
  const member = (pid: string, m: Member) => ({
    project_id: pid,
    user_id: m.userId,
    email: m.email,
    role: m.role,
  });
  const token = (pid: string, t: Token) => ({
    project_id: pid,
    token_id: t.id,
    name: t.name,
    created_by: t.createdBy,
  });
  // Names only: a secret's value never leaves the project.
  const secret = (pid: string, p: ProjectModel, s: Secret) => ({
    project_id: pid,
    secret_id: s.id,
    name: s.name,
    deployment_ids: p.deployments.slice(0, 2).map((d) => d.id),
  });

  return {
    'project.updated': (p, pid) => {
      p.tier = rnd.pick(TIERS);
      return { project_id: pid, name: p.name, tier: p.tier, region: p.region };
    },
    'project.member.created': (p, pid) => {
      const m = p.newMember();
      p.members.push(m);
      return member(pid, m);
    },
    'project.member.updated': (p, pid) => {
      const m = p.member();
      m.role = rnd.pick(ROLES);
      return member(pid, m);
    },
    'project.member.deleted': (p, pid) => member(pid, p.remove(p.members, p.member())),
    'project.tokens.created': (p, pid) => {
      const t = {
        id: rnd.id('tok'),
        name: rnd.pick(['ci', 'deploy-bot', 'terraform', 'local-dev']),
        createdBy: p.member().userId,
      };
      p.tokens.push(t);
      return { ...token(pid, t), expires_at: new Date(Date.now() + 90 * DAY_MS).toISOString() };
    },
    'project.tokens.deleted': (p, pid) => {
      const t =
        p.tokens.length > 0 ? p.tokens.splice(rnd.int(0, p.tokens.length - 1), 1)[0]! : undefined;
      return token(pid, t ?? { id: rnd.id('tok'), name: 'ci', createdBy: p.member().userId });
    },
    'project.secrets.created': (p, pid) => {
      const s = { id: rnd.id('sec'), name: rnd.pick(SECRET_NAMES) };
      p.secrets.push(s);
      return secret(pid, p, s);
    },
    'project.secrets.updated': (p, pid) => secret(pid, p, p.secret()),
    'project.secrets.deleted': (p, pid) => secret(pid, p, p.remove(p.secrets, p.secret())),
    'project.finance.transaction': (_p, pid) => {
      const kind = rnd.pick([
        'charge',
        'charge',
        'charge',
        'charge',
        'refund',
        'credit',
        'payout',
      ] as const);
      return {
        project_id: pid,
        id: rnd.id('txn'),
        // Minor units: $49.00 is 4900.
        amount: rnd.pick([500, 2000, 4900, 9900, 24_900]) * (kind === 'charge' ? rnd.int(1, 3) : 1),
        currency: rnd.pick(['USD', 'EUR', 'GBP']),
        kind,
        description: {
          charge: 'Monthly usage',
          refund: 'Refund',
          credit: 'Promotional credit',
          payout: 'Payout',
        }[kind],
      };
    },
  };
}
