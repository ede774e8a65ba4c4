import { KUSTOMIZATIONS, render, validate } from './manifest-validator';

/** `npm run k8s:validate`: renders every kustomization and validates it offline. */
let failed = false;
for (const k of KUSTOMIZATIONS) {
  const result = validate(render(k));
  process.stdout.write(
    `k8s/${k}: ${result.valid} valid, ${result.invalid} invalid, ${result.errors} errors, ${result.skipped} skipped\n`,
  );
  for (const line of result.problems) process.stdout.write(`  ${line}\n`);
  failed ||= !result.ok;
}
process.exit(failed ? 1 : 0);
