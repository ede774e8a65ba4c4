import { Command, Option } from 'commander';
import type { CliIo } from '../cli-io';
import { CliError, ExitCode, UsageError } from '../exit-codes';
import { WebhookListener, type ReceivedWebhook } from './webhook-listener';

interface ListenFlags {
  port: string;
  host: string;
  forward?: string;
  secret: string[];
  tolerance: string;
}

const MARK = {
  valid: '✓ valid     ',
  invalid: '✗ invalid   ',
  unverified: '? unverified',
} as const;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseInteger(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new UsageError(`${name} must be an integer from ${min} to ${max}, got '${value}'`);
  return n;
}

function parseSecrets(flags: string[], env: string | undefined): string[] {
  const secrets = flags.length > 0 ? flags : (env ?? '').split(/[\s,]+/).filter(Boolean);
  for (const s of secrets) {
    if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(s))
      throw new UsageError(`--secret must be a webhook secret (whsec_…), got '${s.slice(0, 12)}…'`);
  }
  return secrets;
}

function parseForward(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString();
  } catch {
    /* reported below */
  }
  throw new UsageError(`--forward must be an http(s) URL, got '${value}'`);
}

/** One line per webhook for people. */
export function formatWebhookLine(w: ReceivedWebhook): string {
  const time = w.receivedAt.toISOString().slice(11, 19);
  const parts = [
    time,
    MARK[w.signature],
    (w.event ?? '(not an event)').padEnd(44),
    w.eventId ?? '-',
    w.msgId ?? '-',
    w.latencyMs === undefined ? 'latency -' : `latency ${w.latencyMs} ms`,
  ];
  if (w.scheme && w.scheme !== 'standard') parts.push(`[${w.scheme}]`);
  if (w.reason) parts.push(`(${w.reason})`);
  if (w.forward)
    parts.push(
      w.forward.status === undefined
        ? `→ forward failed: ${w.forward.error}`
        : `→ ${w.forward.status} in ${w.forward.durationMs} ms`,
    );
  return parts.join('  ');
}

/** One JSON object per line for scripts. */
export function webhookRecord(w: ReceivedWebhook): Record<string, unknown> {
  return {
    received_at: w.receivedAt.toISOString(),
    signature: w.signature,
    reason: w.reason,
    scheme: w.scheme,
    event: w.event,
    id: w.eventId,
    webhook_id: w.webhookId,
    msg_id: w.msgId,
    occurred_at: w.occurredAt,
    latency_ms: w.latencyMs,
    status: w.status,
    forward: w.forward && {
      status: w.forward.status,
      duration_ms: w.forward.durationMs,
      error: w.forward.error,
    },
  };
}

export function registerListenCommand(
  program: Command,
  io: CliIo,
  stop: () => Promise<void>,
): void {
  program
    .command('listen')
    .description('receive webhooks on this machine: verify, print and optionally forward each one')
    .option('--port <port>', 'port to listen on (0: any free port)', '4000')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--forward <url>',
      'also POST each webhook, same body and headers, to this URL and answer with its reply',
    )
    .option(
      '--secret <whsec>',
      'verify with this secret; repeat during a rotation (default: HOOKLINE_WEBHOOK_SECRET)',
      collect,
      [],
    )
    .addOption(
      new Option(
        '--tolerance <seconds>',
        'accepted clock difference for timestamped schemes',
      ).default('300'),
    )
    .action(async (flags: ListenFlags, command: Command) => {
      const json = Boolean(command.optsWithGlobals().json);
      const secrets = parseSecrets(flags.secret, io.env.HOOKLINE_WEBHOOK_SECRET);
      const port = parseInteger('--port', flags.port, 0, 65535);
      const listener = new WebhookListener(
        {
          port,
          host: flags.host,
          secrets,
          toleranceSeconds: parseInteger('--tolerance', flags.tolerance, 0, 86_400),
          forwardUrl: parseForward(flags.forward),
        },
        (webhook) =>
          io.out(json ? JSON.stringify(webhookRecord(webhook)) : formatWebhookLine(webhook)),
      );
      const url = await listener.start().catch((e: NodeJS.ErrnoException) => {
        const why =
          e.code === 'EADDRINUSE'
            ? `port ${port} is already in use (choose another with --port)`
            : e.message;
        throw new CliError(`cannot listen on ${flags.host}:${port}: ${why}`, ExitCode.ApiError);
      });
      io.err(
        `Listening on ${url}` +
          (secrets.length > 0
            ? `, verifying with ${secrets.length} secret${secrets.length > 1 ? 's' : ''}`
            : ', not verifying (no --secret)') +
          (flags.forward ? `, forwarding to ${flags.forward}` : '') +
          '. Ctrl-C to stop.',
      );
      await stop();
      await listener.close();
    });
}
