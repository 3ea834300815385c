import { createServer } from 'node:http';
import { connect } from 'node:net';
import t from 'tap';
import { gateConnections } from '../../../src/transport/http/connections.js';
import { openSocket, parseResponse, responseReader } from '../../fixtures/raw-http.js';

t.test('the gate counts open connections and closes refused ones that linger', async (t) => {
  const server = createServer((_request, response) => response.end('ok'));
  const gate = gateConnections(server, 1);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const port = (server.address() as { port: number }).port;
  const first = await openSocket(port);
  first.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  t.equal((await responseReader(first)()).status, 200);
  t.equal(gate.open, 1);
  // A client that never closes its side: the refused socket would wait out its grace.
  const lingering = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  t.teardown(() => lingering.destroy());
  let text = '';
  lingering.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
  await new Promise((resolve) => lingering.once('end', resolve));
  t.equal(parseResponse(text).status, 503, 'the 503 arrived');
  t.equal(gate.refused, 1, 'the refused socket waits for the client to close');
  t.equal(gate.open, 1, 'refused sockets are not counted as open');
  const closed = new Promise((resolve) => lingering.once('close', resolve));
  gate.closeRefused();
  t.equal(gate.refused, 0, 'closeRefused closed it');
  lingering.end();
  await closed;
  first.destroy();
});
