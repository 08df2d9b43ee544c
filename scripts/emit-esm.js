// Writes dist/index.mjs (named ESM exports over the CommonJS build) and its .d.mts types,
// so `import { conv2d } from 'convkit'` and `require('convkit')` share one module instance.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
const names = Object.keys(require(path.join(dist, 'index.js'))).filter((n) => n !== '__esModule' && n !== 'default');
const lines = [
  "import cjs from './index.js';",
  `export const { ${names.join(', ')} } = cjs;`,
  'export default cjs;',
  '',
];
fs.writeFileSync(path.join(dist, 'index.mjs'), lines.join('\n'));
fs.writeFileSync(path.join(dist, 'index.d.mts'), "export * from './index.js';\nimport * as convkit from './index.js';\nexport default convkit;\n");
