// Node's flags for the server: `npm run serve` passes them (package.json), bench/serve.js and
// the tests start the server with them for either engine, index.js notes any that is missing.
// A module of its own so that those can read it without loading the server and convkit.
//
// --initial-old-space-size=64: each request leaves ~3.8 MB of ArrayBuffers on the event loop's
// thread, which V8 counts as old-generation growth; above an 8 MB old generation (the convkit
// engine's main heap: 8.4-8.7 MB) that started a mark-compact every few requests, 2-10 ms each.
// README.md, "Heap", has the measurements.
'use strict';

const NODE_FLAGS = ['--initial-old-space-size=64'];

module.exports = { NODE_FLAGS };
