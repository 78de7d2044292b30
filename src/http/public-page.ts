import { createHash } from 'node:crypto';
import { escapeHtml } from '../shared/html.js';

// The one stylesheet of the public pages, inline so a page is one request; the Content-Security-
// Policy allows exactly this text by its hash (see security-headers.ts), no other inline style.
const PUBLIC_PAGE_CSS = `body{font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f5f6fa;color:#1f2330;margin:0;padding:32px 16px}
main{max-width:440px;margin:0 auto;background:#fff;border-radius:14px;padding:28px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:22px;margin:0 0 6px}p{margin:0 0 18px;color:#4a5064}label{display:block;font-weight:600;font-size:14px;margin:14px 0 4px}
input[type=text],input[type=email],input[type=tel],textarea{width:100%;box-sizing:border-box;padding:10px 12px;border:1px solid #cfd3de;border-radius:8px;font:inherit}
.check{display:flex;gap:8px;align-items:flex-start;font-weight:400;color:#4a5064}.check input{margin-top:4px}
button{margin-top:20px;width:100%;padding:12px;border:0;border-radius:8px;background:#4f46e5;color:#fff;font:600 16px system-ui;cursor:pointer}
.error{background:#fdecec;color:#a11;padding:10px 12px;border-radius:8px;margin-bottom:12px}
`;

export const PUBLIC_PAGE_STYLE_HASH = `'sha256-${createHash('sha256').update(PUBLIC_PAGE_CSS).digest('base64')}'`;

/**
 * The shell of the few server-rendered public pages (referral landing, unsubscribe): small,
 * readable on a phone, no scripts, not indexed. `body` is trusted HTML; escape what goes in it.
 */
export function publicPage(
  title: string,
  body: string,
  /** Our own files (the CSP allows 'self' only): the referrer page's stylesheet and copy script. */
  assets: { stylesheets?: string[]; scripts?: string[] } = {},
): string {
  const links = (assets.stylesheets ?? []).map((href) => `<link rel="stylesheet" href="${escapeHtml(href)}">`).join('');
  const scripts = (assets.scripts ?? []).map((src) => `<script src="${escapeHtml(src)}" defer></script>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><meta name="robots" content="noindex">
<style>${PUBLIC_PAGE_CSS}</style>${links}${scripts}</head><body><main>${body}</main></body></html>`;
}
