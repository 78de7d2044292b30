import { z } from 'zod';
import { EmailSchema, IdSchema, NameSchema, TimestampSchema, text } from '../shared/schemas.js';
import { ROLES } from '../shared/vocabulary.js';

export const SignInSchema = z.strictObject({
  email: EmailSchema,
  password: z.string().min(1).max(200),
  workspace: text(200).optional(),
});

/** Who is signed in or calling, and in which workspace ('system' is the service's own work). */
export const MeSchema = z.object({
  actor: z.object({ type: z.string(), id: z.string(), name: z.string(), role: z.enum([...ROLES, 'system']) }),
  workspace: z.object({ id: z.string(), name: z.string(), slug: z.string() }),
});

export const ApiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  prefix: z.string(),
  /** The person the key acts for in maker-checker (a user id, or the key's own id). */
  actsFor: z.string(),
  createdAt: TimestampSchema,
  lastUsedAt: TimestampSchema.nullable(),
  revokedAt: TimestampSchema.nullable(),
});
export const ApiKeyListSchema = z.object({ items: z.array(ApiKeySchema) });
export const ApiKeyCreateSchema = z.strictObject({
  name: NameSchema,
  role: z.enum(ROLES),
  /**
   * The user the key acts for in maker-checker (give a person their own key). Without it the key
   * acts for whoever mints it: a key is never a second person.
   */
  userId: IdSchema.optional(),
});
/** The one answer that carries the key itself: it is shown once. */
export const CreatedApiKeySchema = ApiKeySchema.extend({ key: z.string() });

export const UserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  createdAt: TimestampSchema,
  disabledAt: TimestampSchema.nullable(),
});
export const UserListSchema = z.object({ items: z.array(UserSchema) });
export const UserCreateSchema = z.strictObject({
  email: EmailSchema,
  name: NameSchema.optional(),
  role: z.enum(ROLES),
  password: z.string().min(10, 'Use at least 10 characters.').max(200),
});

export type Me = z.infer<typeof MeSchema>;
export type ApiKey = z.infer<typeof ApiKeySchema>;
export type ApiKeyList = z.infer<typeof ApiKeyListSchema>;
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;
export type User = z.infer<typeof UserSchema>;
export type UserList = z.infer<typeof UserListSchema>;
export type UserCreate = z.input<typeof UserCreateSchema>;
