// A TCP proxy the test controls: cut it to make the database "unreachable", restore it to recover.
// `stall` is the slower kind of outage: connections are accepted and never answered, so a client waits
// for its own connect timeout instead of being refused at once.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  port: number;
  cut(): Promise<void>;
  stall(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  let stalled = false;
  const dropAll = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        sockets.add(client);
        client.on('error', () => client.destroy()).on('close', () => sockets.delete(client));
        if (stalled) return;
        const upstream = connect(targetPort, targetHost);
        sockets.add(upstream);
        client.pipe(upstream).pipe(client);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server?.address() as AddressInfo).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      dropAll();
      if (server)
        server.close(() => {
          resolve();
        });
      else resolve();
      server = undefined;
    });
  const stall = () => {
    stalled = true;
    dropAll();
  };
  const restore = async () => {
    if (stalled) {
      stalled = false;
      dropAll(); // the connections held while stalled never carried anything
    }
    if (!server) await listen();
  };
  await listen();
  return {
    get port() {
      return port;
    },
    cut: stop,
    stall,
    restore,
    close: stop,
  };
}
