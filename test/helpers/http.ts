/**
 * One HTTP or HTTPS request to a server on loopback, as the serve tests make
 * them: no keep-alive, the answer's body as text and, where it parses, as
 * JSON. A TLS server of a test's own has a self-signed certificate: not
 * verified here (the tests that verify it use curl).
 */
import http from 'node:http';
import https from 'node:https';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  // the tests index the answers freely
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface HttpAsk {
  auth?: string | undefined;
  method?: string;
  body?: string;
  /** the body's content-type */
  type?: string;
  /** the loopback source address (serve's failure limits count per address) */
  from?: string;
}

export function httpAsk(base: string, path: string, o: HttpAsk = {}): Promise<HttpAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (o.auth !== undefined && o.auth !== '') headers.authorization = o.auth;
    if (o.type !== undefined) headers['content-type'] = o.type;
    if (o.body !== undefined) headers['content-length'] = String(Buffer.byteLength(o.body));
    const transport = url.protocol === 'https:' ? https : http;
    const options = { host: url.hostname, port: Number(url.port), path, method: o.method ?? 'GET', headers, agent: false, rejectUnauthorized: false, ...(o.from ? { localAddress: o.from } : {}) };
    const req = transport.request(options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
    });
    req.on('error', reject);
    req.end(o.body);
  });
}
