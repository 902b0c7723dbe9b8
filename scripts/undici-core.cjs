// What the bundles take from undici: its dispatchers with their request() API.
// undici's index also builds fetch, WebSocket, EventSource, caches and mocks at
// load time, which cost every start of the method (twice per apt run) about 30 ms
// of compiling and running code reprogate never calls. build.mjs substitutes this
// file for `undici` in the bundles only; tests and type checks use undici itself.
// These are undici's internal paths (its package.json has no "exports" to forbid
// them): if an update moves them, `npm run build` fails rather than ship without.
'use strict';

const Dispatcher = require('undici/lib/dispatcher/dispatcher');
// undici's index adds request(), stream() … to every dispatcher this way.
Object.assign(Dispatcher.prototype, require('undici/lib/api'));

module.exports = {
  Agent: require('undici/lib/dispatcher/agent'),
  Pool: require('undici/lib/dispatcher/pool'),
  ProxyAgent: require('undici/lib/dispatcher/proxy-agent'),
};
