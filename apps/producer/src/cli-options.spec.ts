import { parseCliOptions } from './cli-options';

describe(parseCliOptions.name, () => {
  it('should default to a gentle rate, no end, three projects and the realistic mix', () => {
    const options = parseCliOptions([], true);
    expect(options).toMatchObject({ rate: 10, count: undefined });
    expect(options.projects).toHaveLength(3);
    expect(options.projects.every((p) => p.startsWith('prj_'))).toBe(true);
    expect(options.mix.types.length).toBeGreaterThan(20);
  });

  it('should read rate, count, project ids and types', () => {
    const options = parseCliOptions(
      ['--rate', 'max', '--count', '25', '--projects', 'prj_a,prj_b', '--types', 'project.*'],
      true,
    );
    expect(options).toMatchObject({ rate: 0, count: 25, projects: ['prj_a', 'prj_b'] });
    expect(options.mix.types.every((t) => t.startsWith('project.'))).toBe(true);
  });

  it('should refuse bad values', () => {
    expect(() => parseCliOptions(['--rate', '-1'], true)).toThrow('--rate');
    expect(() => parseCliOptions(['--count', '0'], true)).toThrow('--count');
    expect(() => parseCliOptions(['--projects', 'acme'], true)).toThrow('project id');
    expect(() => parseCliOptions(['--types', 'nope'], true)).toThrow('nope');
  });
});
