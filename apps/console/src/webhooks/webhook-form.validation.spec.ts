import {
  splitEvents,
  validateTransitionHours,
  validateWebhookForm,
} from './webhook-form.validation';

const valid = {
  url: 'https://example.com/hooks',
  events: 'project.member.created, ignite.deployment.*',
  description: '',
  signatureScheme: 'standard' as const,
};

describe('validateWebhookForm', () => {
  it('should turn valid values into the API body', () => {
    expect(validateWebhookForm(valid)).toEqual({
      ok: true,
      input: {
        url: 'https://example.com/hooks',
        events: ['project.member.created', 'ignite.deployment.*'],
        description: null,
        signature_scheme: 'standard',
      },
    });
  });

  it('should name the URL when it is empty, not a URL or not http(s)', () => {
    for (const url of ['', '   ', 'example.com/hooks', 'ftp://example.com/']) {
      const result = validateWebhookForm({ ...valid, url });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(Object.keys(result.errors)).toEqual(['url']);
    }
  });

  it('should refuse no events, a wildcard in the middle and names with spaces inside', () => {
    for (const events of ['', ' , ', 'ignite.*.created', 'a..b']) {
      const result = validateWebhookForm({ ...valid, events });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.errors.events).toBeDefined();
    }
  });

  it('should accept * alone and drop duplicates', () => {
    expect(splitEvents('* *\nproject.updated')).toEqual(['*', 'project.updated']);
    expect(validateWebhookForm({ ...valid, events: '*' }).ok).toBe(true);
  });

  it('should refuse a description longer than the API keeps', () => {
    const result = validateWebhookForm({ ...valid, description: 'x'.repeat(1001) });
    expect(result.ok).toBe(false);
  });
});

describe('validateTransitionHours', () => {
  it('should accept 0 to 24 hours and refuse the rest', () => {
    expect(validateTransitionHours('0')).toEqual({ ok: true, hours: 0 });
    expect(validateTransitionHours('1.5')).toEqual({ ok: true, hours: 1.5 });
    expect(validateTransitionHours('24')).toEqual({ ok: true, hours: 24 });
    for (const text of ['', '-1', '25', 'soon'])
      expect(validateTransitionHours(text).ok).toBe(false);
  });
});
