import { createContext, useContext } from 'react';

export const ReadOnlyContext = createContext(false);

/** True under a read-only portal link: the API refuses writes, so the console offers none. */
export function useReadOnly(): boolean {
  return useContext(ReadOnlyContext);
}
