import http from 'node:http';

/** A response read whole: status, the worker that answered (cluster mode), JSON body. */
export interface Reply {
  status: number;
  worker: string | undefined;
  body: Record<string, unknown>;
}

/**
 * One request on a connection of its own (no keep-alive pool), so that a cluster's round-robin
 * hands consecutive requests to different workers. GET without a body, POST with JSON.
 */
export function call(url: string, route: string, body?: unknown): Promise<Reply> {
  const { hostname, port } = new URL(url);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: hostname,
        port,
        path: route,
        method: payload === undefined ? 'GET' : 'POST',
        agent: false,
        headers: payload === undefined ? {} : { 'content-type': 'application/json' },
      },
      (response) => {
        let text = '';
        response.on('data', (data: Buffer) => (text += data.toString()));
        response.on('end', () => {
          const worker = response.headers['x-footnote-worker'];
          resolve({
            status: response.statusCode ?? 0,
            worker: typeof worker === 'string' ? worker : undefined,
            body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {},
          });
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}
