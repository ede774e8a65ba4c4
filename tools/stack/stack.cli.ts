import { StackError, stackDown, stackStatus, stackUp } from './stack';
import type { StackName } from './stack-paths';

/** `npm run stack -- up|down|status [--test]` */
async function main(argv: string[]) {
  const command = argv[0] ?? 'status';
  const name: StackName =
    argv.includes('--test') || process.env.HOOKLINE_STACK === 'test' ? 'test' : 'dev';
  const log = (line: string) => process.stdout.write(`${line}\n`);
  switch (command) {
    case 'up': {
      const { state } = await stackUp(name, log);
      log(`DATABASE_URL=${state.databaseUrl}`);
      log(`KAFKA_BROKERS=${state.kafkaBrokers}`);
      return 0;
    }
    case 'down':
      await stackDown(name, log);
      return 0;
    case 'status': {
      const status = await stackStatus(name);
      status.lines.forEach(log);
      return status.running ? 0 : 3;
    }
    default:
      process.stderr.write(`stack: unknown command "${command}"; use up, down or status\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(
      e instanceof StackError ? `${e.message}\n` : `stack: ${(e as Error).stack}\n`,
    );
    process.exit(1);
  },
);
