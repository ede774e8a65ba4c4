import type { IncomingHttpHeaders } from 'node:http';

export interface ForwardResult {
  status?: number;
  body?: string;
  durationMs: number;
  error?: string;
}

// Set by the connection, not by the sender; copying them would corrupt the forwarded request.
const HOP_BY_HOP = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'expect',
]);

/** Replays a received webhook, same bytes and headers, to a local app. */
export async function forwardWebhook(
  url: string,
  body: Buffer,
  headers: IncomingHttpHeaders,
  timeoutMs: number,
): Promise<ForwardResult> {
  const outgoing = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) outgoing.append(name, v);
  }
  const started = Date.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: outgoing,
      body: new Uint8Array(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return { status: res.status, body: text.slice(0, 4096), durationMs: Date.now() - started };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const reason =
      err.name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : (err.cause?.code ?? err.cause?.message ?? err.message);
    return { durationMs: Date.now() - started, error: reason };
  }
}
