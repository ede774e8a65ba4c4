export interface PollOptions {
  timeoutMs?: number;
  intervalMs?: number;
  message?: string;
}

/** Calls fn until it returns a value other than undefined/false, or fails after timeoutMs. */
export async function pollUntil<T>(
  fn: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  { timeoutMs = 15_000, intervalMs = 50, message = 'condition' }: PollOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== false && value !== null) return value as T;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `pollUntil: ${message} not met within ${timeoutMs} ms${lastError ? ` (last error: ${String(lastError)})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Retries an assertion until it passes (e.g. `await expectEventually(() => expect(x).toBe(1))`). */
export async function expectEventually(
  assertion: () => unknown | Promise<unknown>,
  options: PollOptions = {},
): Promise<void> {
  await pollUntil(async () => {
    await assertion();
    return true;
  }, options);
}
