import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * Test doubles at the edge of the network, speaking the real protocols: an SMTP server that
 * parses what arrives, and HTTP servers with Resend's and Twilio's request formats that honour
 * idempotency keys the way the real services do.
 */
export interface SmtpInbox {
  url: string;
  mails: ParsedMail[];
  /** SMTP reply code to give the next RCPT TO for these addresses (e.g. 550, 451). */
  reject: Map<string, number>;
  /** Only these senders may use MAIL FROM (when any are listed), like a relay for one domain. */
  allowedSenders: Set<string>;
  /** The envelope sender (MAIL FROM) of each accepted mail, in order. */
  envelopeSenders: string[];
  close(): Promise<void>;
}

export async function startSmtpServer(): Promise<SmtpInbox> {
  const mails: ParsedMail[] = [];
  const reject = new Map<string, number>();
  const allowedSenders = new Set<string>();
  const envelopeSenders: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onMailFrom(address, _session, callback) {
      if (allowedSenders.size > 0 && !allowedSenders.has(address.address.toLowerCase())) {
        const error = new Error('Sender address rejected: not owned by you') as Error & { responseCode: number };
        error.responseCode = 553;
        return callback(error);
      }
      callback();
    },
    onRcptTo(address, _session, callback) {
      const code = reject.get(address.address.toLowerCase());
      if (code) {
        const error = new Error(code >= 500 ? 'Mailbox unavailable' : 'Try again later') as Error & {
          responseCode: number;
        };
        error.responseCode = code;
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail);
          envelopeSenders.push(session.envelope.mailFrom ? session.envelope.mailFrom.address : '');
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    reject,
    allowedSenders,
    envelopeSenders,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

interface Delivery {
  key: string;
  body: Record<string, unknown>;
  id: string;
}

export interface FakeHttpProvider {
  url: string;
  /** Every request that reached the provider (retries with a known key included). */
  requests: number;
  /** Messages the provider actually delivered: one per idempotency key. */
  deliveries: Delivery[];
  /** Answers to give before behaving normally, e.g. [500, 500]. */
  failNext: number[];
  /** Per-recipient error answers: address → [status, code]. */
  failFor: Map<string, [number, number?]>;
  /** Hold each answer this long after recording the delivery (to kill a client mid-call). */
  delayMs: number;
  /** Behave like a provider without idempotency keys: every request is a new delivery. */
  ignoreIdempotencyKey: boolean;
  close(): Promise<void>;
}

async function startFake(
  handle: (
    request: IncomingMessage,
    body: string,
    fake: FakeHttpProvider,
  ) => { status: number; json: unknown } | undefined,
): Promise<FakeHttpProvider> {
  const fake: FakeHttpProvider = {
    url: '',
    requests: 0,
    deliveries: [],
    failNext: [],
    failFor: new Map(),
    delayMs: 0,
    ignoreIdempotencyKey: false,
    close: async () => {},
  };
  const server: Server = createServer(async (request, response) => {
    const body = await readBody(request);
    fake.requests++;
    const answer = handle(request, body, fake) ?? { status: 404, json: { message: 'not found' } };
    if (fake.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, fake.delayMs));
    response.writeHead(answer.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(answer.json));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}`;
  fake.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

export const RESEND_KEY = 're_test_key';

/** Resend's `POST /emails`: bearer auth, JSON body, `Idempotency-Key` replays the first answer. */
export function startFakeResend(): Promise<FakeHttpProvider> {
  return startFake((request, body, fake) => {
    if (request.method !== 'POST' || request.url !== '/emails') return undefined;
    if (request.headers.authorization !== `Bearer ${RESEND_KEY}`)
      return { status: 401, json: { name: 'missing_api_key' } };
    const next = fake.failNext.shift();
    if (next) return { status: next, json: { name: 'internal_server_error', message: 'try again' } };
    const json = JSON.parse(body) as { to: string[] };
    const failure = fake.failFor.get(json.to[0] ?? '');
    if (failure) return { status: failure[0], json: { name: 'validation_error', message: 'Invalid `to` field.' } };
    const key = String(request.headers['idempotency-key'] ?? '');
    const seen = fake.deliveries.find((delivery) => delivery.key && delivery.key === key);
    if (seen) return { status: 200, json: { id: seen.id } };
    const id = `re_${fake.deliveries.length + 1}_${Math.random().toString(36).slice(2, 8)}`;
    fake.deliveries.push({ key, body: json, id });
    return { status: 200, json: { id } };
  });
}

export const TWILIO_SID = 'AC00000000000000000000000000000001';
export const TWILIO_TOKEN = 'twilio-auth-token';

/** Twilio's Messages API: basic auth, form-encoded To/From/Body; the list resource filtered by To and From. */
export function startFakeTwilio(): Promise<FakeHttpProvider> {
  return startFake((request, body, fake) => {
    const [path, search = ''] = (request.url ?? '').split('?');
    if (path !== `/2010-04-01/Accounts/${TWILIO_SID}/Messages.json`) return undefined;
    const expected = `Basic ${Buffer.from(`${TWILIO_SID}:${TWILIO_TOKEN}`).toString('base64')}`;
    if (request.headers.authorization !== expected)
      return { status: 401, json: { code: 20003, message: 'Authenticate' } };
    if (request.method === 'GET') {
      const query = new URLSearchParams(search);
      const messages = fake.deliveries
        .filter((d) => d.body.To === query.get('To') && d.body.From === query.get('From'))
        .map((d) => ({ sid: d.id, to: d.body.To, from: d.body.From, body: d.body.Body, status: 'delivered' }));
      fake.requests--; // a lookup is not a send
      return { status: 200, json: { messages, page: 0, page_size: 100 } };
    }
    if (request.method !== 'POST') return undefined;
    const next = fake.failNext.shift();
    if (next) return { status: next, json: { code: 20500, message: 'Internal Server Error' } };
    const fields = Object.fromEntries(new URLSearchParams(body));
    const failure = fake.failFor.get(fields.To ?? '');
    if (failure) {
      return {
        status: failure[0],
        json: { code: failure[1], message: 'Attempt to send to unsubscribed recipient', status: failure[0] },
      };
    }
    const key = String(request.headers['i-twilio-idempotency-token'] ?? '');
    const seen = fake.ignoreIdempotencyKey
      ? undefined
      : fake.deliveries.find((delivery) => delivery.key && delivery.key === key);
    if (seen) return { status: 201, json: { sid: seen.id, status: 'queued' } };
    const id = `SM${String(fake.deliveries.length + 1).padStart(32, '0')}`;
    fake.deliveries.push({ key, body: fields, id });
    return { status: 201, json: { sid: id, status: 'queued', to: fields.To, from: fields.From, body: fields.Body } };
  });
}
