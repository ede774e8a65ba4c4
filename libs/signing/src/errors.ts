/** Base class of every verification failure; `code` is stable for programs, `message` for people. */
export class WebhookVerificationError extends Error {
  constructor(
    readonly code:
      'invalid_signature' | 'timestamp_outside_tolerance' | 'missing_header' | 'invalid_payload',
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidSignatureError extends WebhookVerificationError {
  constructor() {
    super('invalid_signature', 'Invalid signature');
  }
}

export class TimestampOutsideToleranceError extends WebhookVerificationError {
  constructor() {
    super('timestamp_outside_tolerance', 'Timestamp outside tolerance');
  }
}

export class MissingHeaderError extends WebhookVerificationError {
  constructor(readonly header: string) {
    super('missing_header', `Missing header: ${header}`);
  }
}

export class InvalidPayloadError extends WebhookVerificationError {
  constructor(reason: string) {
    super('invalid_payload', `Invalid payload: ${reason}`);
  }
}
