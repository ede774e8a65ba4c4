/**
 * `work`, or the error of `onTimeout` after `ms`. kafkajs keeps retrying a broker that is down for
 * far longer than a caller waiting on an HTTP answer should; this bounds the wait.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
