import type { FastifyHelmetOptions } from '@fastify/helmet';
import { PUBLIC_PAGE_STYLE_HASH } from './public-page.js';

/**
 * Security headers (helmet) with a Content-Security-Policy that fits what this process serves:
 * - the web app (Vite build in dist/web): one module script and one stylesheet from our origin,
 *   a data: favicon; React sets inline styles through the CSSOM, which CSP does not govern;
 * - Swagger UI at /docs: scripts, styles and favicons from our origin, data: images;
 * - the public pages (/r/ landing, /u/ unsubscribe): one inline stylesheet, allowed by its hash,
 *   and forms that post to our origin.
 * Nothing may frame any of it (clickjacking the approve button, the lead form).
 */
export function securityHeaders(publicUrl: string): FastifyHelmetOptions {
  const https = publicUrl.startsWith('https://');
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", PUBLIC_PAGE_STYLE_HASH],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        // Only behind HTTPS: a plain-HTTP install (a LAN address) would otherwise break itself.
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // The same for browsers that predate frame-ancestors.
    frameguard: { action: 'deny' },
    // HSTS means something only over HTTPS; sent over HTTP it would only mislead.
    strictTransportSecurity: https ? { maxAge: 15_552_000, includeSubDomains: false } : false,
    // The referral links people share carry a code; never leak full URLs to other sites.
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  };
}

// Swagger UI's bundle injects one fixed <style> element when /docs loads; it is allowed there
// by its hash (no other page gets it). An upgrade of @fastify/swagger-ui that changes it shows
// up as a CSP violation in the browser test (test/browser/web.test.ts).
const SWAGGER_UI_STYLE_HASH = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='";

/** For @fastify/swagger-ui's `transformStaticCSP`: the policy above, plus Swagger UI's style. */
export function docsContentSecurityPolicy(header: string): string {
  return header.replace(/style-src ([^;]*)/, `style-src $1 ${SWAGGER_UI_STYLE_HASH}`);
}
