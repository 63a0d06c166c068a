// A TCP load balancer for the test, as a Kubernetes Service or any L4 balancer sits in front of
// a service's instances: each new connection goes to the next instance in turn, and an instance
// that refuses the connection (stopped, restarting) is skipped for the next one.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Balancer {
  url: string;
  /** Connections that found an instance refusing and went to another. */
  readonly failovers: number;
  close(): Promise<void>;
}

export async function startBalancer(targets: () => number[]): Promise<Balancer> {
  let next = 0;
  let failovers = 0;
  const sockets = new Set<Socket>();

  function route(client: Socket): void {
    const ports = targets();
    let attempt = 0;
    client.pause();
    const tryNext = () => {
      if (attempt >= ports.length * 2) {
        client.destroy();
        return;
      }
      const port = ports[next++ % ports.length]!;
      attempt++;
      const upstream = connect(port, '127.0.0.1');
      const onError = () => {
        failovers++;
        upstream.destroy();
        tryNext();
      };
      upstream.once('error', onError);
      upstream.once('connect', () => {
        upstream.off('error', onError);
        sockets.add(upstream);
        upstream.once('close', () => sockets.delete(upstream));
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        upstream.pipe(client);
        client.pipe(upstream);
        client.resume();
      });
    };
    tryNext();
  }

  const server: Server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    route(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    get failovers() {
      return failovers;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
