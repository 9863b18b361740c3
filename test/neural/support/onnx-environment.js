// Jest gives each test file its own realm, whose typed-array constructors differ from Node's;
// onnxruntime-node checks tensor data with `instanceof` against Node's, and rejects the test's
// arrays. This environment hands the test the host's typed arrays (only where ORT runs in the
// test's own thread: the engines run it in worker threads and need nothing of the kind).
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer',
  'Float32Array',
  'Float64Array',
  'Int8Array',
  'Int16Array',
  'Int32Array',
  'Uint8Array',
  'Uint16Array',
  'Uint32Array',
  'BigInt64Array',
  'BigUint64Array',
];

class OnnxEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = OnnxEnvironment;
