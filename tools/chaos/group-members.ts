import type { ChildProcess } from 'node:child_process';
import {
  freePort,
  spawnService,
  stopService,
  waitForHttp,
  type HooklineProcesses,
} from '@hookline/testing';

export type MemberService = 'registry' | 'fanout' | 'dispatcher';

interface Member {
  child: ChildProcess;
  env: NodeJS.ProcessEnv;
  readyUrl: string;
}

/**
 * More processes of a service beside the ones `startHooklineProcesses` runs, with the same
 * environment (so the same consumer groups, topics and database) and their own ports: extra
 * members of a consumer group, or a second registry replica. Each is named `<service>#<n>`.
 */
export class GroupMembers {
  private readonly members = new Map<string, Member>();

  constructor(
    private readonly hl: HooklineProcesses,
    private readonly logPrefix: string,
  ) {}

  /** Starts one more process of `service`; resolves with its name once it is ready. */
  async add(service: MemberService): Promise<string> {
    const n = [...this.members.keys()].filter((k) => k.startsWith(`${service}#`)).length + 2;
    const name = `${service}#${n}`;
    const port = await freePort();
    // The registry listens for the API on its own port; the others serve /readyz on the metrics port.
    const env = {
      ...this.hl.env,
      HOOKLINE_METRICS_PORT: String(port),
      // A replica of the registry needs gRPC on a port of its own too.
      ...(service === 'registry'
        ? { HOOKLINE_API_PORT: String(port), HOOKLINE_GRPC_PORT: String(await freePort()) }
        : {}),
    };
    const readyUrl = `http://127.0.0.1:${port}/readyz`;
    this.members.set(name, { child: this.spawn(service, env, n), env, readyUrl });
    await waitForHttp(readyUrl, 90_000, this.members.get(name)!.child);
    return name;
  }

  /** The base URL a member answers on (for a registry replica: its API). */
  url(name: string): string {
    return this.member(name).readyUrl.replace(/\/readyz$/, '');
  }

  pid(name: string): number {
    return this.member(name).child.pid!;
  }

  names(): string[] {
    return [...this.members.keys()];
  }

  /** kill -9 (or a graceful SIGTERM) of one member; it stays down until `restart`. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const { child } = this.member(name);
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (signal !== 'SIGKILL') return stopService(child);
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }

  /** Starts a member that `kill` ended, on the same port. */
  async restart(name: string): Promise<void> {
    const member = this.member(name);
    const [service, n] = name.split('#') as [MemberService, string];
    const child = this.spawn(service, member.env, Number(n));
    this.members.set(name, { ...member, child });
    await waitForHttp(member.readyUrl, 90_000, child);
  }

  /** Every member stopped gracefully. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.members.values()].map((m) => stopService(m.child)));
    this.members.clear();
  }

  private spawn(service: MemberService, env: NodeJS.ProcessEnv, n: number): ChildProcess {
    return spawnService(service, env, { logName: `${this.logPrefix}-${service}-${n}` });
  }

  private member(name: string): Member {
    const m = this.members.get(name);
    if (!m) throw new Error(`no member ${name}`);
    return m;
  }
}
