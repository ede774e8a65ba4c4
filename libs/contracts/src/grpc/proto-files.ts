import { join } from 'node:path';

/**
 * The directory of the registry's internal gRPC API's `.proto` files. They sit beside `src/` (in
 * `libs/contracts/proto`), and `npm run build` copies them to the same place under dist/, so the
 * path holds whether this file runs from source or compiled. (A function: the console's browser
 * bundle imports this library, and has no __dirname.)
 */
export function hooklineProtoDir(): string {
  return join(__dirname, '..', '..', 'proto');
}

/** The protobuf package of every service. */
export const HOOKLINE_GRPC_PACKAGE = 'hookline.v1';

/** The files, relative to hooklineProtoDir() (pass that as an include dir). */
export const HOOKLINE_PROTO_FILES = [
  'hookline/v1/webhooks.proto',
  'hookline/v1/events.proto',
  'hookline/v1/deliveries.proto',
] as const;

/** Fully qualified service names, as health checks and reflection list them. */
export const HOOKLINE_GRPC_SERVICES = {
  webhooks: `${HOOKLINE_GRPC_PACKAGE}.WebhooksService`,
  events: `${HOOKLINE_GRPC_PACKAGE}.EventsService`,
  deliveries: `${HOOKLINE_GRPC_PACKAGE}.DeliveriesService`,
} as const;
