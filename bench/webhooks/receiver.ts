// The local webhook receiver of bench/webhooks/run.ts, in its own process so that serving the
// requests does not share the measured process's event loop. Answers every POST 204 once its body
// is read; tells the parent its port, and on request how many requests it has answered.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

let answered = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    answered++;
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.address() as AddressInfo).port });
});
process.on('message', (m: { type: string }) => {
  if (m.type === 'count') process.send!({ answered });
  if (m.type === 'stop') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
