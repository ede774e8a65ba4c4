import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { REPO_ROOT } from '../stack/stack-paths';
import type { ChaosScenario } from './chaos-scenarios';

type ServiceName = 'registry' | 'fanout' | 'dispatcher';

/** How one SIGTERM ended: the time from the signal to the exit, and how the process exited. */
export interface SigtermStop {
  service: ServiceName;
  exitMs: number;
  /** The exit code; null when the process had to be killed at the end of its grace period. */
  code: number | null;
  graceMs: number;
  /** The registry: from the signal until a new connection to the API port is refused. */
  listenerClosedMs?: number;
}

export interface SigtermScenario extends ChaosScenario {
  /** Every stop this scenario made, in order (one per run). */
  readonly stops: SigtermStop[];
}

/**
 * The service's terminationGracePeriodSeconds in the Kubernetes base: the time the kubelet gives
 * it between SIGTERM and SIGKILL, and so the bound its drain must fit in.
 */
export function terminationGraceMs(service: ServiceName): number {
  const manifest = readFileSync(
    join(REPO_ROOT, 'k8s', 'base', `${service}.deployment.yaml`),
    'utf8',
  );
  const seconds = /terminationGracePeriodSeconds:\s*(\d+)/.exec(manifest)?.[1];
  if (!seconds) throw new Error(`${service}: no terminationGracePeriodSeconds in k8s/base`);
  return Number(seconds) * 1000;
}

/** SIGTERM, then SIGKILL once `graceMs` has passed, as the kubelet does; resolves with how it ended. */
async function terminate(child: ChildProcess, graceMs: number) {
  const started = Date.now();
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ? null : code)),
  );
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const code = await exited;
  clearTimeout(timer);
  return { code, exitMs: Date.now() - started };
}

/** When a new connection to `url` is first refused (a fresh connection each time, no keep-alive). */
async function listenerClosed(url: string): Promise<number> {
  const { hostname, port } = new URL(url);
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(Number(port), hostname);
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    if (refused) return Date.now();
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * SIGTERM of one service while events flow, as a rolling update or a scale-down sends it: the
 * service finishes or hands back its in-flight work and exits by itself within its grace period;
 * it is then started again. For the registry the stream goes through `POST /v1/events`, so the
 * signal lands on ingest requests in flight.
 */
function sigterm(service: ServiceName): SigtermScenario {
  const stops: SigtermStop[] = [];
  return {
    name: `sigterm-${service}`,
    description: `SIGTERM of the ${service} mid-stream; exits by itself within its grace period, then restarted`,
    quick: false,
    ingest: service === 'registry' ? 'http' : 'kafka',
    stops,
    async inject(hl, log, stream) {
      const graceMs = terminationGraceMs(service);
      const signalled = Date.now();
      const closed = service === 'registry' ? listenerClosed(hl.apiUrl) : undefined;
      const { code, exitMs } = await terminate(hl.services[service], graceMs);
      const closedAt = await closed;
      stops.push({
        service,
        exitMs,
        code,
        graceMs,
        ...(closedAt ? { listenerClosedMs: closedAt - signalled } : {}),
      });
      log(
        `${service} exited ${code === null ? 'killed' : `with ${code}`} ${exitMs} ms after SIGTERM`,
      );
      if (closedAt) stream.apiDown(closedAt, Date.now());
      await hl.start(service);
      log(`${service} ready again`);
    },
  };
}

/** SIGTERM of each service under load, one scenario each. */
export const SIGTERM_SCENARIOS: readonly SigtermScenario[] = [
  sigterm('registry'),
  sigterm('fanout'),
  sigterm('dispatcher'),
];
