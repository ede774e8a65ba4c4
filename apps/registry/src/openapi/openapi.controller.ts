import { Controller, Get, Header } from '@nestjs/common';
import { buildOpenApiDocument } from './route-registry';

const VERSION = (require('../../../../package.json') as { version: string }).version;

@Controller()
export class OpenApiController {
  @Get('openapi.json')
  document() {
    return buildOpenApiDocument(VERSION);
  }

  /** Swagger UI, served from the swagger-ui-dist package (no CDN). */
  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
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
