import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardWebhook, type ForwardResult } from './webhook-forwarder';
import { inspectWebhook, type InspectedWebhook } from './webhook-inspector';

export interface ListenerOptions {
  port: number;
  host: string;
  /** Secrets to verify with (two during a rotation); none: shown as unverified. */
  secrets: string[];
  toleranceSeconds?: number;
  forwardUrl?: string;
  forwardTimeoutMs?: number;
}

export interface ReceivedWebhook extends InspectedWebhook {
  receivedAt: Date;
  path: string;
  /** The status answered to the sender. */
  status: number;
  forward?: ForwardResult;
}

// Well above the largest event the platform accepts.
const MAX_BODY_BYTES = 5 * 1024 * 1024;

class BodyTooLargeError extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The local receiver of `hookline listen`: verifies every POST, reports it, optionally forwards
 * it, and answers as a careful receiver would (400 on a bad signature), or with the forwarded
 * app's answer.
 */
export class WebhookListener {
  private server?: Server;

  constructor(
    private readonly options: ListenerOptions,
    private readonly onWebhook: (webhook: ReceivedWebhook) => void,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: Error) => {
        if (!res.headersSent) res.writeHead(e instanceof BodyTooLargeError ? 413 : 500).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port, this.options.host, () => resolve());
    });
    const { address, port } = this.server.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    return `http://${host}:${port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      res.writeHead(req.method === 'GET' || req.method === 'HEAD' ? 200 : 405, {
        'content-type': 'text/plain',
      });
      res.end('hookline listen: POST webhooks here\n');
      return;
    }
    const body = await readBody(req);
    const receivedAt = new Date();
    const inspected = await inspectWebhook(body, req.headers, this.options.secrets, {
      receivedAt: receivedAt.getTime(),
      tolerance: this.options.toleranceSeconds,
    });
    let status = inspected.signature === 'invalid' ? 400 : 200;
    let answer = inspected.signature === 'invalid' ? `${inspected.reason}\n` : 'ok\n';
    let forward: ForwardResult | undefined;
    if (this.options.forwardUrl) {
      // Forwarded whatever the verdict: the app behind may verify on its own and should see it.
      forward = await forwardWebhook(
        this.options.forwardUrl,
        body,
        req.headers,
        this.options.forwardTimeoutMs ?? 15_000,
      );
      status = forward.status ?? 502;
      answer =
        forward.status === undefined ? `forward failed: ${forward.error}\n` : (forward.body ?? '');
    }
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(answer);
    this.onWebhook({ ...inspected, receivedAt, path: req.url ?? '/', status, forward });
  }
}
