// `npm run sandbox`: the sandbox DC as its own process (speed measurements need it out of the app's process).
// Prints one JSON line with the DC endpoint, the control URL and the RSA public key any MTProto client needs (PEM,
// PKCS#1 as Telegram publishes its keys, and its fingerprint), then serves until SIGINT/SIGTERM.
//   SANDBOX_PORTS=21001,21002   fixed DC ports (below 32768)     SANDBOX_CONTROL_PORT=21000   control HTTP port
//   SANDBOX_DCS=2               number of DCs                      SANDBOX_RSA_KEY_FILE=...     PEM private key to reuse
import { readFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { Sandbox } from './sandbox.ts';
import { SandboxControl } from './control.ts';
import { startControlServer } from './control-http.ts';

function intList(name: string): number[] | undefined {
  const raw = process.env[name];
  if (!raw) return undefined;
  const list = raw.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 0 || n > 32767)) {
    console.error(`${name} must be a comma-separated list of ports between 0 and 32767 (got "${raw}")`);
    process.exit(2);
  }
  return list;
}

const dcCount = Number(process.env.SANDBOX_DCS ?? 2);
if (!Number.isInteger(dcCount) || dcCount < 2 || dcCount > 5) {
  console.error(`SANDBOX_DCS must be an integer from 2 to 5 (got "${process.env.SANDBOX_DCS}")`);
  process.exit(2);
}
const keyFile = process.env.SANDBOX_RSA_KEY_FILE;
const sandbox = await new Sandbox({
  dcCount,
  ports: intList('SANDBOX_PORTS'),
  rsaPrivateKeyPem: keyFile ? readFileSync(keyFile, 'utf8') : undefined,
  logger: process.env.SANDBOX_DEBUG ? (msg, fields) => console.error(JSON.stringify({ msg, ...fields })) : undefined,
}).start();
const control = new SandboxControl(sandbox);
const { server, url } = await startControlServer(control, intList('SANDBOX_CONTROL_PORT')?.[0] ?? 0);
const rsaPublicKey = {
  pem: createPublicKey(sandbox.rsa.privateKey).export({ type: 'pkcs1', format: 'pem' }).toString(),
  /** The low 64 bits of SHA1(n, e as TL bytes), as unsigned hex (how Telegram lists fingerprints) and signed decimal. */
  fingerprintHex: BigInt.asUintN(64, BigInt(sandbox.rsa.fingerprint)).toString(16).padStart(16, '0'),
  fingerprint: sandbox.rsa.fingerprint,
};
console.log(JSON.stringify({ sandbox: control.info(), control: url, rsaPublicKey }));

const stop = async () => {
  server.close();
  await sandbox.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
