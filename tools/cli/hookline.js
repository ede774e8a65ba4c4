#!/usr/bin/env node
'use strict';
// The `hookline` bin: the CLI's TypeScript runs compiled on the fly, like the services.
require('../register.js');
require('../../apps/cli/src/main.ts');
