import { runTsChild } from './ts-child';

/**
 * Runs a child (TypeScript, with its arguments) under --trace-deopt and answers what V8 printed
 * between the child's `marker` line and its `--- done` line: what the child's last steps cost
 * the code it had made hot before them.
 */
export async function traceAfterMarker(
  child: string,
  args: string[],
  marker: string,
): Promise<string> {
  const stdout = await runTsChild(child, ['--trace-deopt'], args);
  const after = stdout.slice(stdout.indexOf(marker));
  if (!after.includes('--- done'))
    throw new Error(`${child} did not finish:\n${stdout.slice(-2000)}`);
  return after.slice(0, after.indexOf('--- done'));
}

/** The functions whose optimized code V8 threw away because an assumption it relied on broke. */
export function thrownAway(trace: string): (string | undefined)[] {
  return trace
    .split('\n')
    .filter((line) => /reason: dependent /.test(line))
    .map((line) => /SharedFunctionInfo ([^>]*)>/.exec(line)?.[1]);
}

/** The functions V8 deoptimized, for any reason: a bailout or code thrown away. */
export function deoptimized(trace: string): (string | undefined)[] {
  return trace
    .split('\n')
    .map(
      (line) =>
        /deoptimizing [^<]*<JSFunction ([^ >]*)/.exec(line)?.[1] ??
        /marking dependent code .*SharedFunctionInfo ([^>]*)>/.exec(line)?.[1],
    )
    .filter((name) => name !== undefined);
}
