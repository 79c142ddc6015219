import { describePostgres, freshPostgresStore } from '../support/postgres.js';
import { runStoreContract } from './store.case.js';

describePostgres('Postgres store', () => {
  runStoreContract('PostgresStoreProvider', { provider: async () => freshPostgresStore() });
});
