import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '..');
const scripts = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts;
const viaBootstrap = Object.entries(scripts).filter(([, line]) => line.includes('bootstrap.js'));

/**
 * Stands in for tools/bootstrap.js: says when it runs, and when a SIGTERM reached it (its handler
 * in place before it says it runs).
 */
const STUB = `
process.on('SIGTERM', () => { process.stdout.write('stopped\\n'); process.exit(0); });
process.stdout.write('started ' + process.pid + '\\n');
setInterval(() => {}, 1000);
`;

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

describe('the npm scripts', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hookline-npm-scripts-'));
    mkdirSync(join(dir, 'tools'));
    writeFileSync(join(dir, 'tools', 'bootstrap.js'), STUB);
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'npm-scripts-probe', version: '0.0.0', private: true, scripts }),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // A supervisor, `timeout` or an editor's stop button sends SIGTERM to npm alone. npm passes it
  // to the shell that runs the script line, and a shell does not pass it on: `npm start` then
  // left every service running, its ports taken, with nothing printed.
  it.each(viaBootstrap.map(([name]) => name))(
    'should pass a SIGTERM sent to `npm run %s` on to the process it starts',
    async (name) => {
      const npm = spawn('npm', ['run', '--silent', name], {
        cwd: dir,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      let heard = () => {};
      npm.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        heard();
      });
      const said = (word: string) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no "${word}" in: ${out}`)), 10_000);
          heard = () => {
            if (!out.includes(word)) return;
            clearTimeout(timer);
            resolve();
          };
          heard();
        });
      try {
        await said('started');
        npm.kill('SIGTERM');
        await said('stopped');
      } finally {
        npm.kill('SIGKILL');
        // The stand-in a shell left behind, if it did: not left running after the test.
        const pid = Number(/started (\d+)/.exec(out)?.[1]);
        if (pid) killQuietly(pid);
      }
    },
    30_000,
  );
});
