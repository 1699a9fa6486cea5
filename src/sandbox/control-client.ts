// Client side of the control API's HTTP form, for processes other than the sandbox's. Type-only imports: a StreamBot
// process (the demo, the bench) uses this without loading gramjs, which the sandbox itself needs.
import type { SandboxControl } from './control.ts';

export type ControlClient = { [K in keyof SandboxControl]: SandboxControl[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> : never };

/** The same methods as SandboxControl, returning promises. */
export function controlClient(baseUrl: string): ControlClient {
  return new Proxy({} as any, {
    get: (_t, method: string) => async (...args: unknown[]) => {
      const res = await fetch(method === 'info' ? `${baseUrl}/info` : `${baseUrl}/control/${method}`, method === 'info' ? {} : { method: 'POST', body: JSON.stringify(args), headers: { 'content-type': 'application/json' } });
      const body = (await res.json()) as { result?: any; error?: string };
      if (!res.ok || body.error !== undefined) throw new Error(`sandbox control ${method}: ${body.error ?? res.status}`);
      const r = body.result;
      return r && typeof r === 'object' && typeof r.base64 === 'string' && Object.keys(r).length === 1 ? Buffer.from(r.base64, 'base64') : r;
    },
  });
}
