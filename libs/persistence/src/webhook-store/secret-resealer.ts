import type { EncryptedSecret } from '@hookline/contracts';
import type { DataSource } from 'typeorm';
import { SecretUnreadableError, type SecretBox } from '../secret-box';
import { WebhookEventStore, WebhookNotFoundError } from './webhook-event-store';

export const REKEY_ACTOR = 'system:secrets-rekey';

export interface ResealProgress {
  scanned: number;
  resealed: number;
  /** Webhooks with a secret no configured key opens (left as they are). */
  unreadable: string[];
}

/**
 * Re-seals every webhook secret under the box's sealing key, one webhook per transaction through
 * the event store (so each new state reaches the changelog), scanning the projection in id order
 * by batches. Idempotent: webhooks already sealed under that key are skipped without an event, so
 * a second run, or a run after an interruption, changes only what is left.
 */
export class SecretResealer {
  private readonly store: WebhookEventStore;

  constructor(
    private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    private readonly batchSize = 500,
  ) {
    this.store = new WebhookEventStore(dataSource, box);
  }

  async run(
    onBatch: (progress: ResealProgress) => void = () => undefined,
  ): Promise<ResealProgress> {
    const progress: ResealProgress = { scanned: 0, resealed: 0, unreadable: [] };
    let after = '';
    for (;;) {
      const rows = (await this.dataSource.query(
        'select id, secrets from webhooks where id > $1 order by id limit $2',
        [after, this.batchSize],
      )) as { id: string; secrets: EncryptedSecret[] }[];
      if (rows.length === 0) return progress;
      for (const row of rows) {
        progress.scanned++;
        if (row.secrets.every((s) => this.box.isSealedWithCurrentKey(s.ciphertext))) continue;
        try {
          if (await this.store.resealSecrets(row.id, REKEY_ACTOR)) progress.resealed++;
        } catch (e) {
          if (e instanceof WebhookNotFoundError) continue; // deleted meanwhile
          if (e instanceof SecretUnreadableError) progress.unreadable.push(row.id);
          else throw e;
        }
      }
      after = rows[rows.length - 1]!.id;
      onBatch(progress);
    }
  }
}
