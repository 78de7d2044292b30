import { request as httpRequest } from 'node:http';

export type Outcome =
  | { answered: true; status: number; body: string; accepted: boolean }
  | { answered: false; error: string; accepted: boolean };

/**
 * One request on its own connection that knows whether the server accepted it: it is sent with
 * `Expect: 100-continue`, and the server answers "100 Continue" only once it has read the request
 * and handed it to the application. `accepted` is true from then on. The body goes out at once,
 * or when `send()` is called (to hold a request in flight across a signal).
 */
export function trackedRequest(
  url: string,
  options: { method: string; path: string; key: string; body?: unknown; hold?: boolean },
) {
  const payload = options.body === undefined ? '' : JSON.stringify(options.body);
  let accepted = false;
  let markContinued!: () => void;
  const continued = new Promise<void>((resolve) => (markContinued = resolve));
  let release!: () => void;
  const released = options.hold ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
  const outcome = new Promise<Outcome>((resolve) => {
    const req = httpRequest(`${url}${options.path}`, {
      method: options.method,
      agent: false,
      headers: {
        authorization: `Bearer ${options.key}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
        expect: '100-continue',
      },
    });
    req.on('continue', () => {
      accepted = true;
      markContinued();
      void released.then(() => req.end(payload));
    });
    req.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ answered: true, status: response.statusCode ?? 0, body, accepted }));
      response.on('error', (error) => resolve({ answered: false, error: error.message, accepted }));
    });
    req.on('error', (error) =>
      resolve({ answered: false, error: (error as NodeJS.ErrnoException).code ?? error.message, accepted }),
    );
    req.flushHeaders();
  });
  return { continued, outcome, send: () => release?.(), isAccepted: () => accepted };
}
