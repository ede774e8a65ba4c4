import {
  Metadata,
  credentials as grpcCredentials,
  loadPackageDefinition,
  type ChannelCredentials,
  type Client,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { HOOKLINE_GRPC_PACKAGE, HOOKLINE_PROTO_FILES, hooklineProtoDir } from '@hookline/contracts';
import { HooklineGrpcError } from './hookline-grpc.error';

export interface GrpcTransportOptions {
  /** `host:port` of the registry's gRPC server. */
  address: string;
  apiKey: string;
  /** Default: plaintext (an internal network, or a mesh that adds TLS). */
  credentials?: ChannelCredentials;
  /** Per call; default 30 s. */
  timeoutMs?: number;
}

interface MessageType {
  type: {
    field: { name: string; typeName: string }[];
    oneofDecl: { name: string }[];
  };
}

type Unary = (
  request: object,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (error: ServiceError | null, response: Record<string, unknown>) => void,
) => void;

/**
 * Unary calls to the hookline.v1 services with the API key in the `authorization` metadata.
 * Answers read as the HTTP API's resources: a field the proto marks `optional` that the server
 * left unset is null (as the JSON answer says), other fields have their proto3 defaults.
 */
export class GrpcTransport {
  private readonly definition: PackageDefinition;
  private readonly clients = new Map<string, Client>();

  constructor(private readonly options: GrpcTransportOptions) {
    this.definition = loadSync([...HOOKLINE_PROTO_FILES], {
      includeDirs: [hooklineProtoDir()],
      keepCase: true,
      defaults: true,
      arrays: true,
      oneofs: false,
    });
  }

  call<T>(service: string, method: string, request: object): Promise<T> {
    const client = this.client(service) as unknown as Record<string, Unary>;
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${this.options.apiKey}`);
    const deadline = new Date(Date.now() + (this.options.timeoutMs ?? 30_000));
    const methods = this.definition[`${HOOKLINE_GRPC_PACKAGE}.${service}`] as unknown as Record<
      string,
      { responseType: { type: { name: string } } }
    >;
    const outputType = methods[method]!.responseType.type.name;
    return new Promise((resolve, reject) => {
      client[method]!.call(client, request, metadata, { deadline }, (error, response) => {
        if (error) reject(HooklineGrpcError.from(error));
        else resolve(this.withNulls(response, outputType) as T);
      });
    });
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private client(service: string): Client {
    let client = this.clients.get(service);
    if (!client) {
      const pkg = loadPackageDefinition(this.definition) as unknown as {
        hookline: { v1: Record<string, ServiceClientConstructor> };
      };
      const Ctor = pkg.hookline.v1[service]!;
      client = new Ctor(
        this.options.address,
        this.options.credentials ?? grpcCredentials.createInsecure(),
      );
      this.clients.set(service, client);
    }
    return client;
  }

  /** Sets the unset `optional` fields of a message (and of the messages inside it) to null. */
  private withNulls(message: Record<string, unknown>, typeName: string): Record<string, unknown> {
    const type = (
      this.definition[`${HOOKLINE_GRPC_PACKAGE}.${typeName}`] as MessageType | undefined
    )?.type;
    if (!type) return message;
    const optional = new Set(type.oneofDecl.map((o) => o.name.replace(/^_/, '')));
    for (const field of type.field) {
      const value = message[field.name];
      if (value === undefined || value === null) {
        if (optional.has(field.name)) message[field.name] = null;
      } else if (field.typeName) {
        for (const item of Array.isArray(value) ? value : [value])
          if (typeof item === 'object')
            this.withNulls(item as Record<string, unknown>, field.typeName);
      }
    }
    return message;
  }
}
