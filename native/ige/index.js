'use strict';
// Built from source by node-gyp at install (binding.gyp); see src/addon.c. `available` is false, with `reason`, when
// the CPU or the build has no AES-NI: callers then use another IGE.
module.exports = require('./build/Release/streambot_ige.node');
