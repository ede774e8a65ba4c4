import { createTransport, type Transporter } from 'nodemailer';
import type { ComposedMail } from './notification-mail.composer';

/**
 * Sends notification mails through the SMTP server of HOOKLINE_SMTP_URL: smtps:// is TLS from
 * the first byte, smtp:// upgrades with STARTTLS when the server offers it. One pooled transport
 * per process; a failed send rejects, and the caller decides whether to try again.
 */
export class SmtpMailer {
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string,
    timeoutMs = 15_000,
  ) {
    const parsed = new URL(url);
    this.transport = createTransport({
      host: parsed.hostname,
      port: parsed.port ? Number(parsed.port) : parsed.protocol === 'smtps:' ? 465 : 25,
      secure: parsed.protocol === 'smtps:',
      auth: parsed.username
        ? {
            user: decodeURIComponent(parsed.username),
            pass: decodeURIComponent(parsed.password),
          }
        : undefined,
      pool: true,
      maxConnections: 2,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
  }

  async send(mail: ComposedMail): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
    });
  }

  close(): void {
    this.transport.close();
  }
}
