#!/usr/bin/env node
'use strict';
require('./start.js').start('cpapi2', 'api2');
