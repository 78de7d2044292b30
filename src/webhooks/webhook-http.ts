/**
 * One outgoing webhook request: no redirects followed, a 10-second limit, and (unless private
 * networks are allowed) only to public addresses — checked on the addresses DNS gives, at the
 * moment of connecting, so a name that resolves elsewhere later (DNS rebinding) gains nothing.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkAddress } from './address.core.js';

export type PostResult =
  | { kind: 'answered'; statusCode: number; retryAfter: string | null }
  | { kind: 'error'; error: string };

export interface PostOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivateNetworks: boolean;
}

class RefusedAddress extends Error {}

const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const refused = addresses.find((address) => !checkAddress(address.address).allowed);
    if (refused || addresses.length === 0) {
      const why = refused
        ? `${hostname} resolves to ${refused.address}, not a public address`
        : `${hostname} has no address`;
      return callback(new RefusedAddress(why), '', 0);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const [first] = addresses as [LookupAddress];
    return callback(null, first.address, first.family);
  });
};

export async function postWebhook(options: PostOptions): Promise<PostResult> {
  const url = new URL(options.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowPrivateNetworks) {
    // An IP literal is connected to without a lookup: check it here.
    const literal = /^[\d.]+$/.test(host) || host.includes(':');
    if (literal) {
      const verdict = checkAddress(host);
      if (!verdict.allowed) return { kind: 'error', error: `refused: ${verdict.reason}` };
    }
  }
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const finish = (result: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const request = send(
      url,
      {
        method: 'POST',
        headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
        ...(options.allowPrivateNetworks ? {} : { lookup: guardedLookup }),
      },
      (response) => {
        // The body is not needed; read it to free the socket, up to the time limit.
        response.resume();
        const retryAfter = response.headers['retry-after'];
        const answered: PostResult = {
          kind: 'answered',
          statusCode: response.statusCode ?? 0,
          retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
        };
        response.on('end', () => finish(answered));
        response.on('error', () => finish(answered));
      },
    );
    const timer = setTimeout(() => {
      finish({ kind: 'error', error: `no answer within ${options.timeoutMs / 1000} s` });
      request.destroy();
    }, options.timeoutMs);
    request.on('error', (error) => {
      finish({
        kind: 'error',
        error: error instanceof RefusedAddress ? `refused: ${error.message}` : `request failed: ${error.message}`,
      });
    });
    request.end(options.body);
  });
}
