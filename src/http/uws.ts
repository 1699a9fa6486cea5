// The one place that imports uWebSockets.js. The package silently swaps in a slow JavaScript shim when its native
// binary does not load (wrong Node ABI, missing platform build, UWS_USE_FALLBACK set), so startup refuses that.
import uWS from 'uWebSockets.js';
import { uwsNotNative } from './errors.ts';

export type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';

type UwsModule = typeof uWS;

/** True when `mod.App` is the native binding rather than the JavaScript fallback. */
export function isNativeUws(mod: { App: unknown }): boolean {
  return typeof mod.App === 'function' && /\[native code\]/.test(Function.prototype.toString.call(mod.App));
}

/** Returns the uWebSockets.js module, or throws SB_ERR_HTTP_UWS_NOT_NATIVE when only the fallback loaded. */
export function loadUws(mod: UwsModule = uWS): UwsModule {
  if (!isNativeUws(mod)) throw uwsNotNative();
  return mod;
}
