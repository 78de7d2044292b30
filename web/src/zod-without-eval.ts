import { z } from 'zod';

// The forms check input with the server's zod schemas. Without JIT: compiling a parser means
// `new Function`, which the app's Content-Security-Policy (script-src 'self') rightly refuses.
// Imported first by main.tsx: a schema decides at construction, when its module is imported.
z.config({ jitless: true });
