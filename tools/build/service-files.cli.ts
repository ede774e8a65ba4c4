import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyServiceFiles } from './service-files';
import { servicePackages } from './service-packages';

/** `node -r ./tools/register.js tools/build/service-files.cli.ts <service> <dir>` (docker/Dockerfile). */
const [service, to] = process.argv.slice(2);
if (!service || !to) {
  process.stderr.write('usage: service-files.cli.ts <registry|fanout|dispatcher> <dir>\n');
  process.exit(2);
}
const count = copyServiceFiles(service, to);
const packages = servicePackages(service);
// The image's dependency stage keeps these top-level packages of node_modules and drops the rest.
writeFileSync(join(to, 'packages.txt'), packages.join('\n') + '\n');
process.stdout.write(
  `service-files: ${count} files of ${service} copied to ${to}/dist; ${packages.length} packages\n`,
);
