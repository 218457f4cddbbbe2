import { fileURLToPath } from 'node:url';

/** The repository (or image) root: server/src/db and server/dist/db sit at the same depth. */
export const rootDir = fileURLToPath(new URL('../../../', import.meta.url));
export const postgresMigrationsDir = fileURLToPath(new URL('../../../migrations/postgres/', import.meta.url));
export const clickhouseMigrationsDir = fileURLToPath(new URL('../../../migrations/clickhouse/', import.meta.url));
export const defaultUiDir = fileURLToPath(new URL('../../../ui/build/', import.meta.url));
