'use strict';
// The package's install script (package.json "postinstall"): a code cache for the Node and V8 flags
// the package is installed with, when the shipped one does not fit them (bin/mailu-k8s.js).
process.env.MAILU_K8S_INSTALL_CACHE = '1';
require('./mailu-k8s.js');
