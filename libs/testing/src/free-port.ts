import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Below this, ports of well-known services; from it up to the kernel's ephemeral range, ours. */
const LOWEST = 10_000;

/**
 * Every port handed out in this process. Callers pick several ports before starting their servers
 * (a registry's API and gRPC ports, then its peers'), so a port picked twice was free both times
 * and the second server to listen on it failed with EADDRINUSE.
 */
const handedOut = new Set<number>();

/**
 * A port free on 127.0.0.1 for a server a test starts a moment later. Picked at random below the
 * range the kernel hands to outgoing connections (Linux's ip_local_port_range): a port from that
 * range is taken by any client's next connection (Kafka and Postgres clients of the tests running
 * beside) between the pick and the listen, and the service then fails with EADDRINUSE. Elsewhere,
 * or when that range leaves no room below it, any free port the system gives.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  if (low !== undefined && low - LOWEST >= 1000) {
    for (let i = 0; i < 50; i++) {
      const port = LOWEST + Math.floor(Math.random() * (low - LOWEST));
      if (!handedOut.has(port) && (await listenOnce(port)) !== undefined) return handOut(port);
    }
  }
  for (let i = 0; i < 50; i++) {
    const any = await listenOnce(0);
    if (any === undefined) break;
    if (!handedOut.has(any)) return handOut(any);
  }
  throw new Error('no free port on 127.0.0.1');
}

function handOut(port: number): number {
  handedOut.add(port);
  return port;
}

function ephemeralLow(): number | undefined {
  try {
    const low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    return Number.isInteger(low) ? low : undefined;
  } catch {
    return undefined;
  }
}

/** Listens on `port` (0: any) and closes again; the port, or undefined when it was taken. */
function listenOnce(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}
