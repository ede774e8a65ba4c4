import { spawnSync } from 'node:child_process';
import { DEFAULT_HEAP_LIMIT_FLAG, serviceNodeFlags } from './service-process';

/** The old-space limit, in MB, of a Node started with `flags` (and NODE_OPTIONS from `env`). */
function oldSpaceLimitMb(flags: string[], env: NodeJS.ProcessEnv = {}): number {
  const script = "process.stdout.write(String(require('v8').getHeapStatistics().heap_size_limit))";
  const out = spawnSync(process.execPath, [...flags, '-e', script], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  });
  return Number(out.stdout) / 2 ** 20;
}

describe('serviceNodeFlags', () => {
  it('should start a service under the default heap limit when nothing sets one', () => {
    const flags = serviceNodeFlags({});
    expect(flags).toEqual([DEFAULT_HEAP_LIMIT_FLAG]);
    // heap_size_limit is the old space's limit plus the young generation's.
    const limit = oldSpaceLimitMb(flags);
    expect(limit).toBeGreaterThanOrEqual(1536);
    expect(limit).toBeLessThan(1536 + 200);
  });

  it('should keep HOOKLINE_NODE_FLAGS after the default', () => {
    expect(serviceNodeFlags({ HOOKLINE_NODE_FLAGS: ' --cpu-prof  --cpu-prof-dir=x ' })).toEqual([
      DEFAULT_HEAP_LIMIT_FLAG,
      '--cpu-prof',
      '--cpu-prof-dir=x',
    ]);
  });

  it.each([
    ['NODE_OPTIONS', { NODE_OPTIONS: '--max-old-space-size=320 --max-semi-space-size=16' }],
    ['NODE_OPTIONS, underscores', { NODE_OPTIONS: '--max_old_space_size=320' }],
    ['HOOKLINE_NODE_FLAGS', { HOOKLINE_NODE_FLAGS: '--max-old-space-size=320' }],
  ])('should leave a limit set in %s as it is', (_where, env: NodeJS.ProcessEnv) => {
    const flags = serviceNodeFlags(env);
    expect(flags.join(' ')).not.toContain(DEFAULT_HEAP_LIMIT_FLAG);
    // A flag on the command line would win over NODE_OPTIONS: the operator's 320 MB holds.
    const limit = oldSpaceLimitMb(flags, { NODE_OPTIONS: env.NODE_OPTIONS });
    expect(limit).toBeLessThan(320 + 200);
  });
});
