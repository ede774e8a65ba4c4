import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

describe('compileNewCodeToBaseline', () => {
  // The flag is changed on a running V8, which Node allows but does not promise to honour: this
  // shows that the Node the project runs on does.
  it('should compile a function first called after it to the baseline tier, and leave earlier ones interpreted', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--allow-natives-syntax',
        '-r',
        join(REPO_ROOT, 'tools', 'register.js'),
        join(__dirname, 'baseline-tier.child.ts'),
      ],
      { cwd: REPO_ROOT, timeout: 60_000 },
    );
    expect(JSON.parse(stdout)).toEqual({ before: 'interpreter', after: 'baseline' });
  }, 90_000);
});
