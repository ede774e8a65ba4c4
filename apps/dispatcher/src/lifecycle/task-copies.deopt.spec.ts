import { join } from 'node:path';
import { deoptimized, thrownAway, traceAfterMarker } from '../testing/trace-deopt';

describe('the next task after a failed attempt', () => {
  // The factory made a retry, a hold or a dead letter by spreading the task ({ ...task, ... }).
  // V8's first copy of an object by spread changes what it assumed of that object's hidden
  // class, and it threw away the optimized code of every function that reads tasks: at a
  // tenant's first failed attempt, every tenant's deliveries ran slow until compiled again.
  it.each(['retry', 'hold', 'dead-letter'])(
    'should not make V8 throw away the code that reads tasks at a first %s',
    async (kind) => {
      const after = await traceAfterMarker(
        join(__dirname, '..', 'testing', 'task-copies.child.ts'),
        [kind],
        '--- the next task from here',
      );
      expect(thrownAway(after)).toEqual([]);
    },
    90_000,
  );

  // Tasks came in as many shapes as their optional fields (a first attempt's, a retry's, a
  // hold's, a manual one's), each a hidden class of its own: at the first retry that came back,
  // V8 deoptimized the code that reads tasks, and past four shapes that code turned megamorphic.
  it('should read a retried task with the code that read first attempts', async () => {
    const after = await traceAfterMarker(
      join(__dirname, '..', 'testing', 'task-copies.child.ts'),
      ['retried'],
      '--- the next task from here',
    );
    expect(deoptimized(after).filter((name) => name === 'read' || name === 'decide')).toEqual([]);
  }, 90_000);
});
