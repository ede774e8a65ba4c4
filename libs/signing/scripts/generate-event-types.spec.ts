import { readFileSync } from 'node:fs';
import { GENERATED_FILE, renderEventTypes } from './generate-event-types';

describe('generate-event-types', () => {
  it('should match the committed event-types.generated.ts (run the script after changing the catalog)', () => {
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(renderEventTypes());
  });
});
