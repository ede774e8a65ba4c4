import { join } from 'node:path';
import { runTsChild } from '../testing/ts-child';

describe('compileNewCodeToBaseline', () => {
  // The flag is changed on a running V8, which Node allows but does not promise to honour: this
  // shows that the Node the project runs on does.
  it('should compile a function first called after it to the baseline tier, and leave earlier ones interpreted', async () => {
    const stdout = await runTsChild(join(__dirname, '..', 'testing', 'baseline-tier.child.ts'), [
      '--allow-natives-syntax',
    ]);
    expect(JSON.parse(stdout)).toEqual({ before: 'interpreter', after: 'baseline' });
  }, 90_000);
});
