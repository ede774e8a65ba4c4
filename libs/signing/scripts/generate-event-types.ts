/**
 * Writes libs/signing/src/event-types.generated.ts: the event type names and `data` types of the
 * catalog in libs/contracts, copied into the receiver SDK because the SDK is published alone and
 * cannot depend on the rest of the repo. generate-event-types.spec.ts fails when the file drifts.
 *
 *   node -r ./tools/register.js libs/signing/scripts/generate-event-types.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
// A build-time script, never shipped: the published SDK contains only its output.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { describeCatalog, renderEventTypesModule } from '@hookline/contracts';

export const GENERATED_FILE = join(__dirname, '..', 'src', 'event-types.generated.ts');

/** The generated module's text (listed in .prettierignore, so formatting never makes it drift). */
export function renderEventTypes(): string {
  return renderEventTypesModule(describeCatalog(), {
    header: [
      'Generated from the event catalog of libs/contracts by',
      'libs/signing/scripts/generate-event-types.ts; do not edit by hand.',
    ],
    unsupported: 'throw',
  });
}

if (require.main === module) {
  writeFileSync(GENERATED_FILE, renderEventTypes());
  console.log(`wrote ${GENERATED_FILE}`);
}
