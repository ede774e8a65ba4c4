import { ReplayUsageError, parseReplayOptions } from './replay-options';

const usageError = (argv: string[]): ReplayUsageError => {
  try {
    parseReplayOptions(argv);
  } catch (e) {
    if (e instanceof ReplayUsageError) return e;
    throw e;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
};

describe(parseReplayOptions.name, () => {
  it('should select everything, for real, without arguments', () => {
    expect(parseReplayOptions([])).toEqual({
      webhookIds: [],
      since: undefined,
      until: undefined,
      dryRun: false,
    });
  });

  it('should read repeated webhooks, a time range and --dry-run', () => {
    const options = parseReplayOptions([
      '--webhook',
      'wh_019a1b2c3d4eAbC',
      '--webhook',
      'wh_2',
      '--webhook',
      'wh_2',
      '--since',
      '2026-11-22',
      '--until',
      '2026-11-22T15:30:00+01:00',
      '--dry-run',
    ]);
    expect(options).toEqual({
      webhookIds: ['wh_019a1b2c3d4eAbC', 'wh_2'],
      since: new Date('2026-11-22T00:00:00Z'),
      until: new Date('2026-11-22T14:30:00Z'),
      dryRun: true,
    });
  });

  it.each([
    [['--webhook', 'hook_1'], '--webhook "hook_1" is not a webhook id (wh_…)'],
    [['--webhook', 'wh_'], '--webhook "wh_" is not a webhook id (wh_…)'],
    [['--since', 'yesterday'], '--since "yesterday" is not an ISO 8601 date'],
    [['--since', '2026-02-30'], '--since "2026-02-30" is not an ISO 8601 date'],
    // Without a zone the instant would depend on the machine running the command.
    [['--until', '2026-11-22T10:00:00'], '--until "2026-11-22T10:00:00" is not an ISO 8601 date'],
    [['--since', '2026-11-23', '--until', '2026-11-22'], '--since must be before --until'],
    [['--since', '2026-11-22', '--until', '2026-11-22'], '--since must be before --until'],
    [['--webhook'], "option '--webhook <wh_id>' argument missing"],
    [['--all'], "unknown option '--all'"],
    [['wh_1'], 'too many arguments'],
  ])('should refuse %j with one line and exit code 2', (argv, message) => {
    const error = usageError(argv);
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('\n');
  });

  it('should answer --help with exit code 0', () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(usageError(['--help']).exitCode).toBe(0);
      expect(write.mock.calls.join('')).toContain('--dry-run');
    } finally {
      write.mockRestore();
    }
  });
});
