import { Injectable } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { API_ROUTE, type ApiRouteSpec } from './api-route.decorator';

/**
 * The routes the application serves, read from the controllers Nest mounted: the source of
 * /openapi.json and of the 405 answer. A handler mapped without @ApiRoute stops the boot, so no
 * route can be served undocumented.
 */
@Injectable()
export class RouteCatalog {
  private cached?: ApiRouteSpec[];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  routes(): ApiRouteSpec[] {
    return (this.cached ??= this.discover());
  }

  /** The methods served at a concrete path (`/v1/webhooks/wh_1`), empty when none is. */
  methodsAt(path: string): string[] {
    const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
    return this.routes()
      .filter((r) => pathPattern(r.path).test(trimmed))
      .map((r) => r.method.toUpperCase());
  }

  private discover(): ApiRouteSpec[] {
    const routes: ApiRouteSpec[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!controller) continue;
      const prefix = Reflect.getMetadata(PATH_METADATA, controller) as string | undefined;
      for (const name of this.scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name] as object;
        if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        const spec = Reflect.getMetadata(API_ROUTE, handler) as ApiRouteSpec | undefined;
        if (!spec) throw new Error(`${controller.name}.${name} is mapped without @ApiRoute`);
        // The served path is Nest's (prefix + mapping), so a controller prefix cannot go unnoticed.
        const served = joinPath(prefix, Reflect.getMetadata(PATH_METADATA, handler) as string);
        if (served !== spec.path)
          throw new Error(`${controller.name}.${name} serves ${served}, declared ${spec.path}`);
        routes.push(spec);
      }
    }
    return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  }
}

function joinPath(...parts: (string | undefined)[]): string {
  const joined = parts
    .flatMap((p) => (p ?? '').split('/'))
    .filter(Boolean)
    .join('/');
  return `/${joined}`.replace(/:(\w+)/g, '{$1}');
}

const patterns = new Map<string, RegExp>();

function pathPattern(path: string): RegExp {
  let pattern = patterns.get(path);
  if (!pattern) {
    const source = path
      .split(/\{\w+\}/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]+');
    patterns.set(path, (pattern = new RegExp(`^${source}$`)));
  }
  return pattern;
}
