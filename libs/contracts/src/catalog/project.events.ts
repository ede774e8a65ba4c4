import { z } from 'zod';
import { defineEventType } from './event-type';

const Project = z.looseObject({
  project_id: z.string().min(1),
  name: z.string().min(1),
  tier: z.enum(['free', 'hobby', 'pro', 'enterprise']),
  region: z.string().min(1),
});

const Member = z.looseObject({
  project_id: z.string().min(1),
  user_id: z.string().min(1),
  email: z.email(),
  role: z.enum(['owner', 'admin', 'developer', 'viewer']),
});

const Token = z.looseObject({
  project_id: z.string().min(1),
  token_id: z.string().min(1),
  name: z.string().min(1),
  created_by: z.string().min(1),
  expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
});

const Secret = z.looseObject({
  project_id: z.string().min(1),
  secret_id: z.string().min(1),
  // Only the name travels: a secret's value never leaves the project.
  name: z.string().min(1),
  deployment_ids: z.array(z.string()).default([]),
});

const Transaction = z.looseObject({
  project_id: z.string().min(1),
  id: z.string().min(1),
  /** In minor units (cents), never a float; the direction is given by `kind`, not the sign. */
  amount: z.number().int().min(0),
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD'),
  kind: z.enum(['charge', 'refund', 'credit', 'payout']),
  description: z.string().optional(),
});

export const PROJECT_EVENT_TYPES = [
  defineEventType('project.updated', "A project's settings changed.", Project),
  defineEventType('project.member.created', 'A member joined the project.', Member),
  defineEventType('project.member.updated', "A member's role changed.", Member),
  defineEventType('project.member.deleted', 'A member left the project.', Member),
  defineEventType('project.tokens.created', 'An access token was created.', Token),
  defineEventType('project.tokens.deleted', 'An access token was revoked.', Token),
  defineEventType('project.secrets.created', 'A secret was added.', Secret),
  defineEventType('project.secrets.updated', 'A secret was changed.', Secret),
  defineEventType('project.secrets.deleted', 'A secret was removed.', Secret),
  defineEventType(
    'project.finance.transaction',
    'A financial transaction (charge, refund, credit or payout) was recorded.',
    Transaction,
  ),
] as const;
