import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..', '..');

/**
 * In a process of its own (Jest keeps a module registry of its own, not Node's): how many modules
 * building each running request in its newest version loads, after preloadKafkajsProtocol or not.
 */
function modulesLoadedPerRequest(preload: boolean): Record<string, number> {
  const script = `
    const { preloadKafkajsProtocol, RUNNING_REQUESTS } = require(${JSON.stringify(join(__dirname, 'protocol-preload.ts'))});
    ${preload ? 'preloadKafkajsProtocol();' : ''}
    const { requests } = require('kafkajs/src/protocol/requests');
    const loaded = {};
    for (const name of RUNNING_REQUESTS) {
      const before = Object.keys(require.cache).length;
      const definition = requests[name];
      try { definition.protocol({ version: Math.max(...definition.versions.map(Number)) })({}); } catch {}
      loaded[name] = Object.keys(require.cache).length - before;
    }
    process.stdout.write(JSON.stringify(loaded));`;
  const out = execFileSync(
    process.execPath,
    ['-r', join(REPO_ROOT, 'tools', 'register.js'), '-e', script],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    },
  );
  return JSON.parse(out) as Record<string, number>;
}

describe('preloadKafkajsProtocol', () => {
  it('should leave no module for a running request to load when it is first sent', () => {
    const cold = modulesLoadedPerRequest(false);
    // Without it, a first produce (a dispatcher's first retry or hold) reads modules from disk.
    expect(cold.Produce).toBeGreaterThan(0);
    const warm = modulesLoadedPerRequest(true);
    expect(Object.values(warm).every((n) => n === 0)).toBe(true);
    expect(Object.keys(warm)).toEqual(Object.keys(cold));
  }, 60_000);
});
