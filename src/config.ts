import { resolve } from 'node:path';
import { z } from 'zod';
import { parseSender, type Sender } from './messaging/index.js';

/**
 * Everything the process reads from its environment, read once at start. Core logic never reads
 * the environment; services receive what they need.
 */
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  REWARDLOOP_DATA_DIR: z.string().default('./data'),
  PUBLIC_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Behind a reverse proxy: its address(es), comma-separated, or the number of hops to trust. */
  TRUST_PROXY: z.string().optional(),
  /** Requests per minute per API key or session; 0 turns the limit off. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(6000),
  SMTP_URL: z.string().optional(),
  /** `rewards@example.com` or `Rewards Team <rewards@example.com>`. */
  EMAIL_FROM: z
    .string()
    .transform((value, ctx) => {
      const parsed = parseSender(value);
      if (parsed.ok) return parsed.sender;
      ctx.addIssue({ code: 'custom', message: parsed.reason });
      return z.NEVER;
    })
    .optional(),
  RESEND_API_KEY: z.string().optional(),
  RESEND_API_URL: z.string().url().default('https://api.resend.com'),
  RESEND_WEBHOOK_SECRET: z.string().optional(),
  TWILIO_ACCOUNT_SID: z.string().optional(),
  TWILIO_AUTH_TOKEN: z.string().optional(),
  TWILIO_FROM: z.string().optional(),
  TWILIO_API_URL: z.string().url().default('https://api.twilio.com'),
  /** Turn off the background dispatcher and scheduler in this process (e.g. API-only nodes). */
  REWARDLOOP_WORKERS: z.enum(['on', 'off']).default('on'),
  /** How long a dispatcher holds a message it is sending before another may retry it. */
  REWARDLOOP_DISPATCH_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  REWARDLOOP_DISPATCH_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** Outgoing webhooks may reach loopback and private addresses (self-hosted receivers, tests). */
  WEBHOOKS_ALLOW_PRIVATE_NETWORKS: z.enum(['true', 'false']).default('false'),
  /** When set, GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`; unset, it is open. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Encrypts integration secrets at rest: 64 hex digits, or any string of 32+ characters. */
  REWARDLOOP_SECRET_KEY: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)').optional(),
});

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  poolSize: number;
  dataDir: string;
  publicUrl: string;
  logLevel: string;
  rateLimitPerMinute: number;
  trustProxy: boolean | string | number;
  workers: boolean;
  dispatchLeaseSeconds: number;
  dispatchIntervalMs: number;
  metricsToken: string | undefined;
  webhooksAllowPrivateNetworks: boolean;
  secretKey: string | undefined;
  email: {
    smtpUrl: string | undefined;
    from: Sender | undefined;
    resendApiKey: string | undefined;
    resendApiUrl: string;
    resendWebhookSecret: string | undefined;
  };
  sms: {
    accountSid: string | undefined;
    authToken: string | undefined;
    from: string | undefined;
    apiUrl: string;
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== '')),
  );
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    poolSize: e.DATABASE_POOL_SIZE,
    dataDir: resolve(e.REWARDLOOP_DATA_DIR),
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    logLevel: e.LOG_LEVEL,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    trustProxy: !e.TRUST_PROXY
      ? false
      : /^\d+$/.test(e.TRUST_PROXY)
        ? Number(e.TRUST_PROXY)
        : e.TRUST_PROXY === 'true'
          ? true
          : e.TRUST_PROXY,
    workers: e.REWARDLOOP_WORKERS === 'on',
    dispatchLeaseSeconds: e.REWARDLOOP_DISPATCH_LEASE_SECONDS,
    dispatchIntervalMs: e.REWARDLOOP_DISPATCH_INTERVAL_MS,
    metricsToken: e.METRICS_TOKEN,
    webhooksAllowPrivateNetworks: e.WEBHOOKS_ALLOW_PRIVATE_NETWORKS === 'true',
    secretKey: e.REWARDLOOP_SECRET_KEY,
    email: {
      smtpUrl: e.SMTP_URL,
      from: e.EMAIL_FROM,
      resendApiKey: e.RESEND_API_KEY,
      resendApiUrl: e.RESEND_API_URL.replace(/\/$/, ''),
      resendWebhookSecret: e.RESEND_WEBHOOK_SECRET,
    },
    sms: {
      accountSid: e.TWILIO_ACCOUNT_SID,
      authToken: e.TWILIO_AUTH_TOKEN,
      from: e.TWILIO_FROM,
      apiUrl: e.TWILIO_API_URL.replace(/\/$/, ''),
    },
  };
}
