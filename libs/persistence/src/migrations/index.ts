import { InitialSchema1763856000000 } from './1763856000000-initial-schema';

/** In order. Add a new migration as a new file and append it here; never edit a shipped one. */
export const MIGRATIONS = [InitialSchema1763856000000];
