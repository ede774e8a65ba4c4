import { Controller } from '@nestjs/common';
import { z } from 'zod';
import { ApiRoute } from './api-route.decorator';
import { buildOpenApiDocument } from './openapi-document';
import { RouteCatalog } from './route-catalog';

const VERSION = (require('../../../../package.json') as { version: string }).version;
const tag = 'Operations';

@Controller()
export class OpenApiController {
  private document?: Record<string, unknown>;

  constructor(private readonly catalog: RouteCatalog) {}

  @ApiRoute('get', '/openapi.json', {
    summary: 'This document',
    tag,
    auth: 'none',
    response: z.object({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }),
  })
  openapi() {
    return (this.document ??= buildOpenApiDocument(this.catalog.routes(), VERSION));
  }

  /** Swagger UI, served from the swagger-ui-dist package (no CDN). */
  @ApiRoute('get', '/docs', {
    summary: 'Swagger UI over this document',
    tag,
    auth: 'none',
    contentType: 'text/html; charset=utf-8',
  })
  docs() {
    return `<!doctype html>
<html><head><meta charset="utf-8"><title>Hookline API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui' });</script>
</body></html>`;
  }
}
