import { runCli } from './cli';
import { processIo } from './cli-io';

runCli(process.argv.slice(2), { io: processIo }).then((code) => {
  process.exitCode = code;
});
