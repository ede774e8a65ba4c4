import { context, propagation, type Context, type TextMapGetter } from '@opentelemetry/api';
import {
  isWrapped,
  type InstrumentationNodeModuleDefinition,
} from '@opentelemetry/instrumentation';
import {
  KafkaJsInstrumentation,
  type KafkaJsInstrumentationConfig,
  type KafkajsMessage,
} from '@opentelemetry/instrumentation-kafkajs';

type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

const headerGetter: TextMapGetter<Record<string, HeaderValue>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.toString();
  },
};

/** The trace a message already carries (its `traceparent` header), or `fallback`. */
export function messageContext(message: KafkajsMessage, fallback: Context): Context {
  return message.headers ? propagation.extract(fallback, message.headers, headerGetter) : fallback;
}

type ProducerSpanStarter = (topic: string, message: KafkajsMessage) => unknown;

/**
 * The kafkajs instrumentation with two changes that keep Hookline's traces whole:
 *
 * - A PRODUCER span's parent is the trace the message carries, not the context active when the
 *   batch is sent. Our producers batch: one `sendBatch` holds messages of many traces, and the
 *   upstream instrumentation would make every one of them a child of whichever trace happened to
 *   schedule the flush (and overwrite its `traceparent` with that). Messages without a
 *   `traceparent` keep the upstream behaviour.
 * - No consumer spans. The consumer runner hands messages to concurrent work and returns from
 *   `eachBatch` at once, so the upstream "poll"/"process" spans would end before the work and
 *   open a new trace per batch; the fan-out and the dispatcher make their CONSUMER span per
 *   message themselves, continuing the producer's trace.
 */
export class HooklineKafkaJsInstrumentation extends KafkaJsInstrumentation {
  constructor(config: KafkaJsInstrumentationConfig = {}) {
    super(config);
    // The upstream method is private; it is wrapped, not rewritten, and the version is pinned.
    const self = this as unknown as { _startProducerSpan: ProducerSpanStarter };
    const start = self._startProducerSpan.bind(this);
    self._startProducerSpan = (topic, message) =>
      context.with(messageContext(message, context.active()), () => start(topic, message));
  }

  protected override init(): InstrumentationNodeModuleDefinition {
    const definition = super.init();
    const patch = definition.patch;
    if (!patch) return definition;
    definition.patch = (exports: KafkaModule, version?: string) => {
      const patched = patch(exports, version) as KafkaModule;
      const prototype = patched?.Kafka?.prototype;
      if (prototype && isWrapped(prototype.consumer)) this._unwrap(prototype, 'consumer');
      return patched;
    };
    return definition;
  }
}

interface KafkaModule {
  Kafka?: { prototype: { consumer: unknown } };
}
