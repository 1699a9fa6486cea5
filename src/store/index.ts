// Entry point of the store: openStore() picks the backend from the configuration.

import { StoreError } from './errors.ts';
import { MongoStore } from './mongo/mongo-store.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import type { Store, StoreConfig } from './types.ts';

export type * from './types.ts';
export { StoreError, StoreErrorCodes, isStoreError, type StoreErrorCode } from './errors.ts';
export { isPublicId, linkSecretMatches } from '../links/index.ts';
export { monthKey } from './validate.ts';

/**
 * MongoDB when databaseUrl is set (databaseName required), else SQLite at <dataDir>/streambot.db.
 * Resolves once the database is reachable and its indexes or schema are in place.
 */
export async function openStore(config: StoreConfig = {}): Promise<Store> {
  if (config.databaseUrl) {
    if (!config.databaseName) {
      throw new StoreError('SB_ERR_STORE_CONFIG', 'DATABASE_NAME must be set when DATABASE_URL is set (e.g. DATABASE_NAME=streambot)');
    }
    return MongoStore.open(config);
  }
  return new SqliteStore(config);
}

/** Store settings from the environment: DATABASE_URL, DATABASE_NAME and DATA_DIR. */
export function storeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  return {
    databaseUrl: env.DATABASE_URL || null,
    databaseName: env.DATABASE_NAME || null,
    dataDir: env.DATA_DIR || './data',
  };
}
