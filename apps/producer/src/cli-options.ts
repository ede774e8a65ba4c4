import { Command, InvalidArgumentError } from 'commander';
import { newId } from '@hookline/contracts';
import { EventMix, EventMixError } from './event-mix';

export interface LoadOptions {
  /** Events per second; 0 publishes as fast as the broker takes them. */
  rate: number;
  /** Stop after this many events (none: until Ctrl-C). */
  count?: number;
  projects: string[];
  mix: EventMix;
}

function positiveInt(name: string, allowZero = false) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
      throw new InvalidArgumentError(
        `${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer`,
      );
    }
    return n;
  };
}

/** `--projects 5` makes five project ids; `--projects prj_a,prj_b` uses those. */
function projectList(value: string): string[] {
  if (/^\d+$/.test(value)) {
    const n = positiveInt('--projects')(value);
    return Array.from({ length: n }, () => newId('project'));
  }
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = ids.find((id) => !/^prj_[A-Za-z0-9_-]{1,120}$/.test(id));
  if (ids.length === 0 || bad !== undefined) {
    throw new InvalidArgumentError(`"${bad ?? value}" is not a project id (prj_…) nor a count`);
  }
  return ids;
}

function eventMix(value: string): EventMix {
  try {
    return EventMix.parse(value);
  } catch (e) {
    if (e instanceof EventMixError) throw new InvalidArgumentError(e.message);
    throw e;
  }
}

/** Parses the command line; commander prints the problem and exits on a bad option. */
export function parseCliOptions(argv: string[], exitOverride = false): LoadOptions {
  const program = new Command('hookline-producer')
    .description('Publishes realistic Hookline domain events to hookline.events at a chosen rate.')
    .option(
      '--rate <events/s>',
      'events per second, 0 for as fast as possible',
      (v) => (v === 'max' ? 0 : positiveInt('--rate', true)(v)),
      10,
    )
    .option(
      '--count <n>',
      'stop after n events (default: run until Ctrl-C)',
      positiveInt('--count'),
    )
    .option(
      '--projects <ids|n>',
      'comma-separated project ids (prj_…), or how many to make up',
      projectList,
    )
    .option(
      '--types <spec>',
      'types or wildcards, each optionally =weight (default: a realistic mix)',
      eventMix,
    )
    .addHelpText(
      'after',
      '\nEnvironment: KAFKA_BROKERS (default 127.0.0.1:19092), HOOKLINE_TOPIC_PREFIX.\n' +
        'Example: hookline-producer --rate 200 --count 10000 --projects 5 --types "ignite.deployment.*"',
    );
  if (exitOverride)
    program
      .exitOverride()
      .configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  program.parse(argv, { from: 'user' });
  const opts = program.opts<{
    rate: number;
    count?: number;
    projects?: string[];
    types?: EventMix;
  }>();
  return {
    rate: opts.rate,
    count: opts.count,
    projects: opts.projects ?? projectList('3'),
    mix: opts.types ?? EventMix.parse(undefined),
  };
}
