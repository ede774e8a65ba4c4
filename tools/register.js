'use strict';
// Compiles TypeScript on the fly (with decorator metadata, which NestJS needs) and resolves the
// @hookline/* paths of tsconfig.base.json.
const { join } = require('node:path');
process.env.SWC_NODE_PROJECT ??= join(__dirname, '..', 'tsconfig.json');
require('@swc-node/register');
