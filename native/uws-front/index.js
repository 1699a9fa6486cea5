'use strict';
// Built from source by node-gyp at install (binding.gyp); see src/uws_front.cc.
module.exports = require('./build/Release/uws_front.node');
