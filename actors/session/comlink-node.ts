// comlink's Node adapter, typed. The UMD build sets module.exports to the function itself, so Node's default import
// is the function; its .d.ts declares `export default`, so TypeScript (NodeNext) types the default import as the
// module namespace instead. Accept either shape at runtime and expose one correctly typed function.
import nodeEndpointModule from 'comlink/dist/umd/node-adapter.js';

type NodeEndpointFn = typeof nodeEndpointModule.default;

const candidate: unknown = nodeEndpointModule;
export const nodeEndpoint: NodeEndpointFn = typeof candidate === 'function'
  ? (candidate as NodeEndpointFn)
  : nodeEndpointModule.default;

if (typeof nodeEndpoint !== 'function') {
  throw new TypeError('comlink/dist/umd/node-adapter.js did not export the nodeEndpoint function');
}
