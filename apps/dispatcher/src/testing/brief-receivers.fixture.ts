import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';

/**
 * Receivers written the way the brief's services tell their users to write them, so a test can
 * show those receivers verify Hookline's deliveries unchanged. Each keeps the secret it was
 * configured with (`secrets`, changeable mid-test) and records what it made of every request.
 */
export type BriefService = 'hostwares' | 'cryptohopper' | 'hop';

export interface ReceiverVerdict {
  service: BriefService;
  eventId: string | undefined;
  verified: boolean;
  /** What the receiver's own code threw, if it threw (timingSafeEqual on unequal lengths). */
  error?: string;
}

/** Hostwares' documented check, as given: `sha256=` + hex HMAC-SHA256, compared in constant time. */
export function hostwaresVerifyWebhook(payload: string, signature: string, secret: string) {
  const expected = crypto.createHmac('sha256', secret).update(payload).digest('hex');
  return crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(`sha256=${expected}`));
}

/** Cryptohopper's PHP check in TypeScript: `hash_hmac('sha512', body, secret) == X-HUB-SIGNATURE`. */
export function cryptohopperSignatureMatches(
  body: string,
  headers: Record<string, unknown>,
  secret: string,
) {
  const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
  return crypto.createHmac('sha512', secret).update(body).digest('hex') == upper['X-HUB-SIGNATURE'];
}

/** Hop's `constructEvent`: uppercase hex HMAC-SHA256 of the body, else "Invalid signature". */
export function hopConstructEvent(body: string, signature: string, secret: string): unknown {
  const expected = crypto.createHmac('sha256', secret).update(body).digest('hex').toUpperCase();
  const given = Buffer.from(signature ?? '');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, Buffer.from(expected)))
    throw new Error('Invalid signature');
  return JSON.parse(body);
}

export class BriefReceivers {
  readonly verdicts: ReceiverVerdict[] = [];
  /** The secret each receiver is configured with now. */
  readonly secrets: Partial<Record<BriefService, string>> = {};
  /** Hostwares' signature header as the receiver reads it (a platform may brand its own). */
  hostwaresHeader = 'x-hostwares-signature';
  /** The code Cryptohopper's receiver echoes to a `validate` request. */
  verificationCode = 'MY_VERIFICATION_CODE';

  url = '';
  private server?: Server;

  static async start(): Promise<BriefReceivers> {
    const receivers = new BriefReceivers();
    await receivers.listen();
    return receivers;
  }

  private async listen(): Promise<void> {
    const app = express();

    const record = (v: ReceiverVerdict) => this.verdicts.push(v);
    const eventIdOf = (body: string): string | undefined => {
      try {
        return (JSON.parse(body) as { id?: string }).id;
      } catch {
        return undefined;
      }
    };

    // Hostwares' Express handler, as documented (raw body, 401 on a bad signature).
    app.post('/webhooks/hostwares', express.raw({ type: 'application/json' }), (req, res) => {
      const signature = req.headers[this.hostwaresHeader] as string;
      const body = (req.body as Buffer).toString();
      let ok = false;
      try {
        ok = hostwaresVerifyWebhook(body, signature, this.secrets.hostwares!);
      } catch (e) {
        record({
          service: 'hostwares',
          eventId: eventIdOf(body),
          verified: false,
          error: (e as Error).message,
        });
        return res.status(500).send('verification threw');
      }
      record({ service: 'hostwares', eventId: eventIdOf(body), verified: ok });
      if (!ok) return res.status(401).send('Invalid signature');
      res.status(200).send('OK');
    });

    app.post('/webhooks/cryptohopper', express.raw({ type: 'application/json' }), (req, res) => {
      const body = (req.body as Buffer).toString();
      const json = JSON.parse(body) as { type?: string; messages?: unknown[] };
      const ok = cryptohopperSignatureMatches(body, req.headers, this.secrets.cryptohopper!);
      record({ service: 'cryptohopper', eventId: eventIdOf(body), verified: ok });
      if (!ok) return res.status(200).send('Invalid signature.');
      if (json.type === 'validate') return res.status(200).send(this.verificationCode);
      res.status(200).send('OK');
    });

    app.post('/webhooks/hop', express.raw({ type: 'application/json' }), (req, res) => {
      const body = (req.body as Buffer).toString();
      try {
        hopConstructEvent(body, req.headers['x-hop-hooks-signature'] as string, this.secrets.hop!);
        record({ service: 'hop', eventId: eventIdOf(body), verified: true });
        res.status(200).send('OK');
      } catch (e) {
        record({
          service: 'hop',
          eventId: eventIdOf(body),
          verified: false,
          error: (e as Error).message,
        });
        res.status(400).send((e as Error).message);
      }
    });

    this.server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  endpoint(service: BriefService): string {
    return `${this.url}/webhooks/${service}`;
  }

  verdictsFor(eventId: string): ReceiverVerdict[] {
    return this.verdicts.filter((v) => v.eventId === eventId);
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
