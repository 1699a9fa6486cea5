// Opening the MongoDB connection: driver options, and a clean failure when the database cannot be reached.

import { MongoClient } from 'mongodb';
import { unavailable } from '../errors.ts';
import type { StoreConfig } from '../types.ts';
import { isUnavailableError, safeMessage } from './transient.ts';

/**
 * Connects, then runs setup (indexes, timers) on the open client. If either fails the client is closed, and an
 * unreachable database rejects with SB_ERR_STORE_UNAVAILABLE without the connection string in the message.
 */
export async function connectMongo<T>(config: StoreConfig, setup: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(config.databaseUrl!, {
    appName: 'streambot',
    retryWrites: true,
    retryReads: true,
    // Fail over to memory within seconds rather than the driver's default 30 s, or every request would hang.
    serverSelectionTimeoutMS: 5000,
    ...config.mongoOptions,
  });
  try {
    await client.connect();
    return await setup(client);
  } catch (err) {
    await client.close().catch(() => {});
    if (isUnavailableError(err)) throw unavailable('starting the store', new Error(safeMessage(err)));
    throw err;
  }
}
