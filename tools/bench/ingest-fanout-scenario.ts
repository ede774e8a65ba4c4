import { Pool } from 'undici';
import { newId } from '@hookline/contracts';
import { pollUntil } from '@hookline/testing';
import { percentile, pipelineCpuSeconds } from './process-stats';

/**
 * The side-by-side workload, over HTTP: tenants × webhooks each, events (each with its
 * own id) posted to `POST /v1/events` at 32 connections, every event delivered (signed) to the receivers and every
 * attempt logged. The figure to compare with other systems is CPU-ms per delivery of the whole
 * pipeline (registry, fan-out, dispatcher, Kafka, Postgres; the receivers are the load, not the
 * system), counted from the first post until the last attempt is logged.
 */
export const INGEST_FANOUT_SIZES = {
  full: { projects: 100, hooksPerProject: 10, events: 5_000 },
  quick: { projects: 20, hooksPerProject: 10, events: 1_000 },
};
const CONNECTIONS = 32;
/** The processes that are the system under test, as the bench's CPU snapshot names them. */

export interface IngestFanoutContext {
  apiUrl: string;
  sizes: { projects: number; hooksPerProject: number; events: number };
  /** Projects with webhooks on the receivers, warmed up; their API keys. */
  setup: (projects: number, hooksPerProject: number) => Promise<{ keys: string[] }>;
  farm: {
    reset(): Promise<unknown>;
    counts(): Promise<{ unique: number; received: number; unsigned: number }>;
  };
  attemptsLogged: () => Promise<number>;
  cpuNow: () => Record<string, { cpuSeconds: number }>;
  /** Starts the bench's CPU window for this scenario (after its setup). */
  measureFromHere: () => void;
}

export async function ingestFanoutScenario(ctx: IngestFanoutContext) {
  const { projects, hooksPerProject, events } = ctx.sizes;
  const { keys } = await ctx.setup(projects, hooksPerProject);
  await ctx.farm.reset();
  const expected = events * hooksPerProject;
  const logged0 = await ctx.attemptsLogged();
  ctx.measureFromHere();
  const cpu0 = ctx.cpuNow();
  const pool = new Pool(ctx.apiUrl, { connections: CONNECTIONS, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      // Round robin over the tenants: each gets the same share of the events.
      for (let i = next++; i < events; i = next++) {
        const key = keys[i % keys.length]!;
        // With an id, as a producer that retries sends it: the idempotent path is the one measured.
        const body = JSON.stringify({
          id: newId('event'),
          event: 'project.updated',
          data: { project_id: `p${i}`, name: 'Ingest fan-out', tier: 'pro', region: 'eu-west-1' },
        });
        const t = performance.now();
        const res = await pool.request({
          path: '/v1/events',
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body,
        });
        await res.body.dump();
        latencies.push(performance.now() - t);
        if (res.statusCode !== 202) errors++;
      }
    }),
  );
  const ingestSeconds = (Date.now() - t0) / 1000;
  await pool.close();
  let lastReceiptAt = Date.now();
  await pollUntil(
    async () => {
      const s = await ctx.farm.counts();
      lastReceiptAt = Date.now();
      return s.unique >= expected;
    },
    { timeoutMs: 600_000, intervalMs: 250, message: 'all deliveries' },
  ).catch(() => undefined);
  const stats = await ctx.farm.counts();
  const logged = await pollUntil(
    async () => {
      const n = (await ctx.attemptsLogged()) - logged0;
      return n >= stats.received ? n : undefined;
    },
    { timeoutMs: 60_000 },
  ).catch(async () => (await ctx.attemptsLogged()) - logged0);
  const cpu1 = ctx.cpuNow();
  const cpuSeconds = pipelineCpuSeconds(cpu0, cpu1);
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (v: number, digits = 1) => +v.toFixed(digits);
  return {
    figures: {
      events_per_s_accepted: Math.round((events - errors) / ingestSeconds),
      ingest_errors: errors,
      ingest_p50_ms: round(percentile(sorted, 50)),
      ingest_p99_ms: round(percentile(sorted, 99)),
      deliveries_per_s: Math.round(stats.unique / ((lastReceiptAt - t0) / 1000)),
      attempts_logged: logged,
      cpu_ms_per_delivery: round((cpuSeconds * 1000) / Math.max(1, stats.unique), 3),
    },
    ledger: {
      published: expected,
      received: stats.unique,
      missing: expected - Math.min(expected, stats.unique),
      unsigned: stats.unsigned,
    },
  };
}
