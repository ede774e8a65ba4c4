import { compileNewCodeToBaseline } from '../runtime/baseline-tier';

/*
 * Run with --allow-natives-syntax (see baseline-tier.spec.ts): prints the tier each function
 * runs in after one call, one first called before compileNewCodeToBaseline and one after.
 * V8's intrinsics are reached through `new Function`, which TypeScript would not parse.
 */
const tier = new Function(
  'f',
  'return %ActiveTierIsSparkplug(f) ? "baseline" : %ActiveTierIsIgnition(f) ? "interpreter" : "other"',
) as (f: () => unknown) => string;

function before() {
  return [1, 2, 3].map((n) => n * 2);
}
function after() {
  return [1, 2, 3].map((n) => n * 3);
}

before();
compileNewCodeToBaseline();
after();
process.stdout.write(JSON.stringify({ before: tier(before), after: tier(after) }));
