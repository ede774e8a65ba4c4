import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A mail as the catcher received it. */
export interface CaughtMail {
  /** RCPT TO addresses, as the envelope named them. */
  to: string[];
  from: string;
  subject: string;
  text: string;
  /** The raw message (RFC 5322), as written to `<dir>/<n>.eml`. */
  raw: string;
  receivedAt: number;
}

export interface MailCatcherOptions {
  /** 0 (default): a free port. */
  port?: number;
  /** Writes each mail there as `<time>-<n>.eml` too (npm start's local catcher). */
  dir?: string;
  /** Called with each mail once parsed. */
  onMail?: (mail: CaughtMail) => void;
}

/**
 * A real SMTP server on 127.0.0.1 that accepts every mail without authentication and keeps it:
 * the receiving end of e-mail notifications in tests and under `npm start`. No STARTTLS (its
 * certificate would be self-signed), so `smtp://127.0.0.1:<port>` is plain SMTP.
 */
export class MailCatcher {
  readonly mails: CaughtMail[] = [];
  url = '';
  private server?: SMTPServer;

  static async start(options: MailCatcherOptions = {}): Promise<MailCatcher> {
    const catcher = new MailCatcher();
    await catcher.listen(options);
    return catcher;
  }

  private listen(options: MailCatcherOptions): Promise<void> {
    if (options.dir) mkdirSync(options.dir, { recursive: true });
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      banner: 'Hookline mail catcher',
      size: 10 * 1024 * 1024,
      logger: false,
      onData: (stream, session, done) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', done);
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          simpleParser(raw).then(
            (parsed) => {
              const mail: CaughtMail = {
                to: session.envelope.rcptTo.map((r) => r.address),
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                subject: parsed.subject ?? '',
                text: parsed.text ?? '',
                raw,
                receivedAt: Date.now(),
              };
              this.mails.push(mail);
              if (options.dir) {
                const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${this.mails.length}.eml`;
                writeFileSync(join(options.dir, name), raw);
              }
              options.onMail?.(mail);
              done();
            },
            (e: Error) => done(e),
          );
        });
      },
    });
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(options.port ?? 0, '127.0.0.1', () => {
        const { port } = this.server!.server.address() as AddressInfo;
        this.url = `smtp://127.0.0.1:${port}`;
        resolve();
      });
    });
  }

  /** Mails sent to this address. */
  to(address: string): CaughtMail[] {
    return this.mails.filter((m) => m.to.includes(address));
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
