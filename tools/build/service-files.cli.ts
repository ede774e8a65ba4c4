import { copyServiceFiles } from './service-files';

/** `node -r ./tools/register.js tools/build/service-files.cli.ts <service> <dir>` (docker/Dockerfile). */
const [service, to] = process.argv.slice(2);
if (!service || !to) {
  process.stderr.write('usage: service-files.cli.ts <registry|fanout|dispatcher> <dir>\n');
  process.exit(2);
}
const count = copyServiceFiles(service, to);
process.stdout.write(`service-files: ${count} files of ${service} copied to ${to}/dist\n`);
