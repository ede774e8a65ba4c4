import type { ServerResponse } from 'node:http';

/**
 * Answers 200 with 10 MB of `fill`, written as the client reads it, and calls `cutOff` when the
 * client closed the exchange before the end (as the dispatcher must, past its read cap).
 */
export function answerTenMegabytes(res: ServerResponse, fill: string, cutOff: () => void): void {
  res.writeHead(200, { 'content-type': 'text/plain' });
  const chunk = Buffer.alloc(64 * 1024, fill);
  let sent = 0;
  const more = () => {
    while (sent < 10 * 1024 * 1024) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', more);
    }
    res.end();
  };
  res.once('close', () => {
    if (!res.writableFinished) cutOff();
  });
  more();
}
