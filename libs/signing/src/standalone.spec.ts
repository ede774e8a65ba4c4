import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The SDK is published alone: its shipped sources may import only each other and node:crypto.
describe('standalone package', () => {
  const sources = readdirSync(__dirname).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'),
  );

  it.each(sources)('should import nothing outside the package from %s', (file) => {
    const text = readFileSync(join(__dirname, file), 'utf8');
    const specifiers = [...text.matchAll(/(?:from|import|require\()\s*['"]([^'"]+)['"]/g)].map(
      (m) => m[1]!,
    );
    const outside = specifiers.filter((s) => !s.startsWith('./') && s !== 'node:crypto');
    expect(outside).toEqual([]);
  });

  it('should keep Node-only imports out of the Web Crypto entry', () => {
    const webImports = (file: string): string[] =>
      [...readFileSync(join(__dirname, file), 'utf8').matchAll(/from\s*['"]\.\/([^'"]+)['"]/g)].map(
        (m) => `${m[1]}.ts`,
      );
    const seen = new Set<string>();
    const queue = ['web.ts'];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      queue.push(...webImports(file));
    }
    for (const file of seen)
      expect(readFileSync(join(__dirname, file), 'utf8')).not.toMatch(/['"]node:|\bBuffer\b/);
  });
});
