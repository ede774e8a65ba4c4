import { patchKafkajsModule } from './kafkajs-patch';

/** What kafkajs keeps for each request it can send: its versions, and a builder for each. */
interface RequestDefinitions {
  versions: readonly string[];
  protocol(options: { version: number }): (request: object) => unknown;
}

/**
 * The requests a client of the apps sends while it runs. The admin ones (topics, configs) are sent
 * at start, where loading their code costs nobody's delivery.
 */
export const RUNNING_REQUESTS = [
  'ApiVersions',
  'Metadata',
  'InitProducerId',
  'Produce',
  'Fetch',
  'ListOffsets',
  'GroupCoordinator',
  'JoinGroup',
  'SyncGroup',
  'Heartbeat',
  'OffsetFetch',
  'OffsetCommit',
  'LeaveGroup',
] as const;

/**
 * Loads, once per process (through patchKafkajsModule, which changes nothing here), the code of
 * every request in RUNNING_REQUESTS in the newest version kafkajs has: the one it picks against
 * any broker that speaks it (an older broker's version is still loaded when first needed).
 *
 * kafkajs reads a request's modules from disk and compiles them the first time it builds that
 * request. The dispatcher produces only when an attempt fails (retries, holds, dead letters), so a
 * dispatcher that had only delivered did that at a tenant's first failure: 2 ms of reading and
 * compiling on an idle machine, 15 ms in a profiled run of the chaos suite's `bad-endpoints` (the
 * fault's start, both cores busy), on the event loop that every tenant's deliveries share.
 */
export function preloadKafkajsProtocol(): void {
  patchKafkajsModule<{ requests: Record<string, RequestDefinitions> }>(
    'kafkajs/src/protocol/requests',
    ({ requests }) => {
      for (const name of RUNNING_REQUESTS) {
        const definition = requests[name];
        if (!definition || definition.versions.length === 0) continue;
        const newest = Math.max(...definition.versions.map(Number));
        // A version's builder requires its modules, then builds a request from what it is given.
        // Built from nothing, a request may refuse: its modules are loaded all the same, and
        // nothing is sent.
        try {
          definition.protocol({ version: newest })({});
        } catch {
          // loaded
        }
      }
    },
    'protocol-preload',
  );
}
