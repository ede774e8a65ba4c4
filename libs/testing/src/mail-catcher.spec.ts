import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { MailCatcher } from './mail-catcher';

describe(MailCatcher.name, () => {
  it('should catch a mail over plain SMTP on 127.0.0.1, parsed and kept as an .eml file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mail-catcher-'));
    const seen: string[] = [];
    const sut = await MailCatcher.start({ dir, onMail: (m) => seen.push(m.subject) });
    try {
      expect(sut.url).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/);
      const port = Number(new URL(sut.url).port);
      const transport = createTransport({ host: '127.0.0.1', port, secure: false });
      await transport.sendMail({
        from: 'Hookline <hookline@localhost>',
        to: ['a@example.com', 'b@example.com'],
        subject: 'Webhook wh_1 disabled',
        text: 'Reason: deliveries failed\n',
      });
      transport.close();
      expect(sut.mails).toHaveLength(1);
      expect(sut.to('b@example.com')[0]).toMatchObject({
        from: 'hookline@localhost',
        subject: 'Webhook wh_1 disabled',
        text: 'Reason: deliveries failed\n',
      });
      expect(seen).toEqual(['Webhook wh_1 disabled']);
      const files = readdirSync(dir);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/\.eml$/);
      expect(readFileSync(join(dir, files[0]!), 'utf8')).toContain(
        'Subject: Webhook wh_1 disabled',
      );
    } finally {
      await sut.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
