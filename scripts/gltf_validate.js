#!/usr/bin/env node
// Validates one .glb/.gltf with the Khronos glTF validator (npm gltf-validator, installed by
// scripts/setup.sh into .tools/). Prints {"errors":N,"warnings":N,"messages":[...]} on stdout;
// exit code 0 when there are no errors, 1 when there are, 2 when validation could not run.
'use strict';
const fs = require('fs');
const path = require('path');
let validator;
try {
  validator = require(path.join(__dirname, '..', '.tools', 'node_modules', 'gltf-validator'));
} catch (e) {
  console.error('gltf-validator is not installed: run scripts/setup.sh');
  process.exit(2);
}
const file = process.argv[2];
if (!file) {
  console.error('usage: gltf_validate.js FILE.glb|FILE.gltf');
  process.exit(2);
}
const bytes = new Uint8Array(fs.readFileSync(file));
validator
  .validateBytes(bytes, {
    uri: path.basename(file),
    maxIssues: 100,
    externalResourceFunction: (uri) =>
      new Promise((resolve, reject) => {
        fs.readFile(path.join(path.dirname(file), decodeURIComponent(uri)), (err, data) =>
          err ? reject(err.toString()) : resolve(new Uint8Array(data)));
      }),
  })
  .then((report) => {
    const messages = report.issues.messages
      .filter((m) => m.severity <= 1)
      .map((m) => `${m.severity === 0 ? 'error' : 'warning'} ${m.code} ${m.pointer || ''}: ${m.message}`);
    console.log(JSON.stringify({
      errors: report.issues.numErrors,
      warnings: report.issues.numWarnings,
      messages,
    }));
    process.exit(report.issues.numErrors > 0 ? 1 : 0);
  })
  .catch((err) => {
    console.error(`validation failed: ${err}`);
    process.exit(2);
  });
