#!/usr/bin/env node
'use strict';
require('./start.js').start('uapi', 'uapi');
