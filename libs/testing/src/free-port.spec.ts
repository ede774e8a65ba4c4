import { readFileSync } from 'node:fs';
import { freePort } from './free-port';

describe('freePort', () => {
  it('should pick a port below the range the kernel hands to outgoing connections', async () => {
    // A port from that range can be taken by any client's connection (a Kafka or Postgres client
    // of a test running beside) between the pick and the service's listen.
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    for (let i = 0; i < 20; i++) expect(await freePort()).toBeLessThan(low!);
  });
});

describe('freePort, picks that repeat', () => {
  afterEach(() => jest.restoreAllMocks());

  it('should not hand out a port it handed out before, though nothing listens on it yet', async () => {
    // Callers pick several ports and start their servers later: a port picked twice was free at
    // each pick and taken by the first server, so the second failed with EADDRINUSE.
    jest.spyOn(Math, 'random').mockReturnValue(0.5);
    const first = await freePort();
    const second = await freePort();
    expect(second).not.toBe(first);
  });
});
