import { matchesSubscription } from '@hookline/contracts';
import { SubscriptionIndex } from './subscription-index';

const hook = (project_id: string, events: string[], active = true) => ({ project_id, events, active });

describe(SubscriptionIndex.name, () => {
  let sut: SubscriptionIndex;
  beforeEach(() => {
    sut = new SubscriptionIndex();
  });

  it('should match exact types and trailing wildcards', () => {
    sut.apply('wh_exact', hook('prj_1', ['ignite.deployment.container.metrics_update']));
    sut.apply('wh_deploy', hook('prj_1', ['ignite.deployment.*']));
    sut.apply('wh_all', hook('prj_1', ['*']));
    sut.apply('wh_project', hook('prj_1', ['project.*']));
    sut.apply('wh_container', hook('prj_1', ['ignite.deployment.container.*']));
    expect(sut.match('prj_1', 'ignite.deployment.container.metrics_update').sort()).toEqual(['wh_all', 'wh_container', 'wh_deploy', 'wh_exact']);
    expect(sut.match('prj_1', 'project.member.created').sort()).toEqual(['wh_all', 'wh_project']);
    expect(sut.match('prj_1', 'ignite.deployment')).toEqual(['wh_all']);
  });

  it('should list a webhook once when several of its patterns match', () => {
    sut.apply('wh_1', hook('prj_1', ['*', 'ignite.*', 'ignite.deployment.created']));
    expect(sut.match('prj_1', 'ignite.deployment.created')).toEqual(['wh_1']);
  });

  it('should keep projects apart', () => {
    sut.apply('wh_a', hook('prj_a', ['*']));
    sut.apply('wh_b', hook('prj_b', ['*']));
    expect(sut.match('prj_a', 'project.updated')).toEqual(['wh_a']);
    expect(sut.match('prj_c', 'project.updated')).toEqual([]);
  });

  it('should drop inactive and deleted webhooks and apply new event lists', () => {
    sut.apply('wh_1', hook('prj_1', ['project.updated']));
    sut.apply('wh_1', hook('prj_1', ['project.member.created']));
    expect(sut.match('prj_1', 'project.updated')).toEqual([]);
    expect(sut.match('prj_1', 'project.member.created')).toEqual(['wh_1']);
    sut.apply('wh_1', hook('prj_1', ['project.member.created'], false));
    expect(sut.match('prj_1', 'project.member.created')).toEqual([]);
    sut.apply('wh_2', hook('prj_1', ['*']));
    sut.apply('wh_2', undefined);
    expect(sut.match('prj_1', 'project.updated')).toEqual([]);
    expect(sut.size).toBe(0);
  });

  it('should agree with matchesSubscription on every pattern', () => {
    const patterns = ['*', 'ignite.*', 'ignite.deployment.*', 'ignite.deployment.created', 'project.*', 'project.member.*', 'ignite.deployment.container.*'];
    const types = ['ignite.deployment.created', 'ignite.deployment.container.metrics_update', 'project.member.created', 'project.updated', 'webhook.ping'];
    patterns.forEach((p, i) => sut.apply(`wh_${i}`, hook('prj_1', [p])));
    for (const type of types) {
      const expected = patterns.map((p, i) => (matchesSubscription(p, type) ? `wh_${i}` : null)).filter(Boolean).sort();
      expect(sut.match('prj_1', type).sort()).toEqual(expected);
    }
  });
});
