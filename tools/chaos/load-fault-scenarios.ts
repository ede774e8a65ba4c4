import type { ChaosScenario } from './chaos-scenarios';
import { GroupMembers } from './group-members';

const DOWN_MS = 5_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Two fan-outs and two dispatchers share their consumer groups; one of each is killed (kill -9)
 * mid-stream and rejoins 5 s later, so partitions move twice while events flow: to the survivors
 * once the session (6 s in the chaos run) expires, back on the rejoin.
 */
function rebalance(): ChaosScenario {
  let members: GroupMembers | undefined;
  return {
    name: 'rebalance',
    description: `two fan-outs and two dispatchers in one group; one of each killed (kill -9), rejoining after ${DOWN_MS / 1000} s`,
    quick: false,
    async setUp(hl, log) {
      members = new GroupMembers(hl, 'chaos');
      await Promise.all([members.add('fanout'), members.add('dispatcher')]);
      log(`members: ${['fanout', 'dispatcher', ...members.names()].join(', ')}`);
    },
    async inject(hl, log) {
      await Promise.all([hl.kill('fanout', 'SIGKILL'), hl.kill('dispatcher', 'SIGKILL')]);
      log('one fan-out and one dispatcher killed (SIGKILL)');
      await sleep(DOWN_MS);
      await Promise.all([hl.start('fanout'), hl.start('dispatcher')]);
      log('both rejoined');
    },
    async tearDown() {
      await members?.stopAll();
      members = undefined;
    },
  };
}

const STALL_MS = 6_000;

/**
 * The changelog relay stalls longer than the API's 2 s wait: the registry holding the relay lock
 * (the first one started) is stopped with SIGSTOP, so its connection, and the lock, stay open as
 * in a long GC pause or a starved pod; no replica can take over. Meanwhile a webhook is created
 * through a second registry, and every event published after that create answered is owed to it.
 */
function slowRelay(): ChaosScenario {
  let members: GroupMembers | undefined;
  return {
    name: 'slow-relay',
    description: `the relay's registry stopped (SIGSTOP) for ${(STALL_MS + 2000) / 1000} s; a webhook created meanwhile through another registry gets every later event`,
    quick: false,
    async setUp(hl, log) {
      members = new GroupMembers(hl, 'chaos');
      await members.add('registry');
      log('a second registry (no relay lock) is up');
    },
    async inject(hl, log, stream) {
      const leader = hl.services.registry;
      leader.kill('SIGSTOP');
      try {
        const t = Date.now();
        await stream.addWebhook(members!.url('registry#2'));
        log(`webhook created in ${Date.now() - t} ms while the relay was stopped`);
        await sleep(STALL_MS);
      } finally {
        leader.kill('SIGCONT');
      }
      log('relay resumed (SIGCONT)');
    },
    async tearDown() {
      await members?.stopAll();
      members = undefined;
    },
  };
}

/** The scenarios of faults under load beyond one process: rebalances, endpoints, the relay. */
export const LOAD_FAULT_SCENARIOS: readonly ChaosScenario[] = [rebalance(), slowRelay()];
