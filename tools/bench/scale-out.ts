import { AssignerProtocol, type Admin } from 'kafkajs';
import { createEventPublisher } from '@hookline/producer';
import { HooklineClient } from '@hookline/sdk';
import { pollUntil, startHooklineProcesses, type HooklineProcesses } from '@hookline/testing';
import { GroupMembers } from '../chaos/group-members';
import { processStats } from './process-stats';

/** What the scale-out mode needs of the bench's receiver farm. */
export interface ScaleOutFarm {
  url(index: number): string;
  reset(): Promise<unknown>;
  counts(): Promise<{ unique: number; unsigned: number }>;
}

export interface ScaleOutRow {
  partitions: number;
  /** Fan-out processes and dispatcher processes (as many of each). */
  members: number;
  deliveries: number;
  expected: number;
  seconds: number;
  deliveriesPerSecond: number;
  /** CPU of every fan-out and dispatcher process over the run, per delivery. */
  cpuMsPerDelivery: number;
  /** Partitions of hookline.events per fan-out member, and of hookline.deliveries per dispatcher. */
  fanoutSpread: string;
  dispatcherSpread: string;
  unsigned: number;
}

const PROJECTS = 20;
const HOOKS_PER_PROJECT = 5;
const EVENTS = 2_000;
const RUN_BOUND_MS = 30_000;

/**
 * `npm run bench -- --only=scale-out`: 1, 2 and 3 fan-out and dispatcher processes in the same
 * consumer groups on the same topics, at 6 and at 12 partitions. Each run publishes the same burst
 * (2,000 events to 100 webhooks) and is bounded by 30 s; it reports deliveries per second, the CPU
 * of the fan-outs and dispatchers per delivery, and how the groups spread the partitions (from the
 * consumer groups' descriptions).
 */
export async function scaleOut(
  farm: ScaleOutFarm,
  say: (line: string) => void,
): Promise<ScaleOutRow[]> {
  const rows: ScaleOutRow[] = [];
  for (const partitions of [6, 12]) {
    const hl = await startHooklineProcesses({
      retrySchedule: '1s,2s,4s',
      deliveryTimeout: '5s',
      disableAfter: 0,
      logPrefix: `bench-scale-${partitions}`,
      partitions,
      logLevel: 'warn',
    });
    const members = new GroupMembers(hl, `bench-scale-${partitions}`);
    const admin = hl.topics.kafka.admin();
    await admin.connect();
    const publisher = createEventPublisher({
      brokers: hl.topics.brokers,
      clientId: 'hookline-bench-scale-out',
      topicPrefix: hl.topics.prefix,
    });
    try {
      const projects = await setUpProjects(hl, farm, partitions);
      const publishAll = async (count: number) => {
        for (let i = 0; i < count; i += 500)
          await Promise.all(
            Array.from({ length: Math.min(500, count - i) }, (_, j) => {
              const projectId = projects[(i + j) % projects.length]!;
              return publisher.publish(
                'project.updated',
                { project_id: projectId, name: `s${i + j}`, tier: 'pro', region: 'eu-west-1' },
                { projectId },
              );
            }),
          );
      };
      await farm.reset();
      await publishAll(projects.length);
      await pollUntil(
        async () => (await farm.counts()).unique >= projects.length * HOOKS_PER_PROJECT,
        {
          timeoutMs: 120_000,
          intervalMs: 250,
          message: 'warm-up deliveries',
        },
      );

      for (let n = 1; n <= 3; n++) {
        if (n > 1) await Promise.all([members.add('fanout'), members.add('dispatcher')]);
        const spread = await waitForSpread(admin, hl, n);
        const pids = [
          hl.services.fanout.pid!,
          hl.services.dispatcher.pid!,
          ...members.names().map((m) => members.pid(m)),
        ];
        const cpu = () => pids.reduce((s, pid) => s + (processStats(pid)?.cpuSeconds ?? 0), 0);
        await farm.reset();
        const expected = EVENTS * HOOKS_PER_PROJECT;
        const cpu0 = cpu();
        const t0 = Date.now();
        await publishAll(EVENTS);
        await pollUntil(async () => (await farm.counts()).unique >= expected, {
          timeoutMs: Math.max(0, t0 + RUN_BOUND_MS - Date.now()),
          intervalMs: 100,
        }).catch(() => undefined);
        const seconds = (Date.now() - t0) / 1000;
        const stats = await farm.counts();
        const row: ScaleOutRow = {
          partitions,
          members: n,
          deliveries: stats.unique,
          expected,
          seconds: +seconds.toFixed(1),
          deliveriesPerSecond: Math.round(stats.unique / seconds),
          cpuMsPerDelivery: +(((cpu() - cpu0) * 1000) / Math.max(1, stats.unique)).toFixed(2),
          ...spread,
          unsigned: stats.unsigned,
        };
        rows.push(row);
        say(
          `[bench] scale-out ${partitions} partitions, ${n} of each: ${row.deliveriesPerSecond} deliveries/s, ${row.cpuMsPerDelivery} cpu ms/delivery, events ${row.fanoutSpread}, deliveries ${row.dispatcherSpread}`,
        );
        // A run cut by its bound leaves a backlog: let it drain so the next run starts even.
        await pollUntil(async () => (await farm.counts()).unique >= expected, {
          timeoutMs: 60_000,
          intervalMs: 250,
        }).catch(() => say('[bench] scale-out: backlog still draining'));
      }
    } finally {
      await publisher.disconnect();
      await admin.disconnect();
      await members.stopAll();
      await hl.stop();
    }
  }
  return rows;
}

/** Projects with webhooks on the farm, returning their ids. */
async function setUpProjects(
  hl: HooklineProcesses,
  farm: ScaleOutFarm,
  partitions: number,
): Promise<string[]> {
  const admin = new HooklineClient({ baseUrl: hl.apiUrl, adminToken: hl.adminToken });
  const ids: string[] = [];
  let index = 400_000 + partitions * 1_000;
  for (let p = 0; p < PROJECTS; p++) {
    const project = await admin.projects.create(`bench-scale-${p}`);
    const client = new HooklineClient({ baseUrl: hl.apiUrl, apiKey: project.api_key });
    await Promise.all(
      Array.from({ length: HOOKS_PER_PROJECT }, () =>
        client.webhooks.create(farm.url(index++), ['*']),
      ),
    );
    ids.push(project.id);
  }
  return ids;
}

/**
 * Waits until the fan-out and dispatcher groups are stable with `n` members each, and says how
 * many partitions of their main topic each member holds (e.g. "3/3").
 */
async function waitForSpread(
  admin: Admin,
  hl: HooklineProcesses,
  n: number,
): Promise<{ fanoutSpread: string; dispatcherSpread: string }> {
  const { prefix, topics } = { prefix: hl.topics.prefix, topics: hl.topics.topics };
  const groups = [
    { groupId: `${prefix}hookline.fanout`, topic: topics.events },
    { groupId: `${prefix}hookline.dispatcher`, topic: topics.deliveries },
  ];
  const spread = async () => {
    const described = await admin.describeGroups(groups.map((g) => g.groupId));
    const out = groups.map(({ groupId, topic }) => {
      const group = described.groups.find((g) => g.groupId === groupId);
      if (!group || group.state !== 'Stable' || group.members.length !== n) return undefined;
      return group.members
        .map((m) => {
          const assignment = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
          return assignment?.assignment[topic]?.length ?? 0;
        })
        .sort((a, b) => b - a)
        .join('/');
    });
    return out.every((s) => s !== undefined)
      ? { fanoutSpread: out[0]!, dispatcherSpread: out[1]! }
      : undefined;
  };
  return pollUntil(spread, { timeoutMs: 60_000, intervalMs: 500, message: `${n} members each` });
}

/** The rows as a fixed-width table. */
export function scaleOutTable(rows: readonly ScaleOutRow[]): string {
  const head = [
    'partitions',
    'members',
    'deliveries',
    'secs',
    'deliv/s',
    'cpu ms/deliv',
    'events spread',
    'deliveries spread',
  ];
  const cells = rows.map((r) => [
    String(r.partitions),
    String(r.members),
    `${r.deliveries}/${r.expected}`,
    String(r.seconds),
    String(r.deliveriesPerSecond),
    String(r.cpuMsPerDelivery),
    r.fanoutSpread,
    r.dispatcherSpread,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => v.padStart(widths[i]!)).join('  ');
  return [line(head), ...cells.map(line)].join('\n');
}

/** One figure per run for the bench's results file: "<deliveries/s>/s, <cpu ms> cpu ms, <spreads>". */
export function scaleOutFigures(rows: readonly ScaleOutRow[]): Record<string, string> {
  return Object.fromEntries(
    rows.map((r) => [
      `partitions_${r.partitions}_members_${r.members}`,
      `${r.deliveriesPerSecond}/s, ${r.cpuMsPerDelivery} cpu ms, events ${r.fanoutSpread}, deliveries ${r.dispatcherSpread}`,
    ]),
  );
}
