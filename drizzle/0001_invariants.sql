-- Invariants the application cannot break, whatever code runs against the database.

-- Audit events are append-only: no UPDATE, no DELETE, no TRUNCATE, for anyone.
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'RL001';
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
--> statement-breakpoint

-- A reward moves only along the lifecycle's allowed transitions (mirrors rewards/lifecycle.core.ts),
-- and is never deleted: corrections are new records.
CREATE FUNCTION rewards_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'rewards are never deleted' USING ERRCODE = 'RL001';
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.status NOT IN ('in_review', 'pending') THEN
      RAISE EXCEPTION 'a reward starts in review or approved, not %', NEW.status USING ERRCODE = 'RL409';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.status <> OLD.status AND NOT (
       (OLD.status = 'in_review' AND NEW.status IN ('pending', 'rejected', 'reversed'))
    OR (OLD.status = 'pending'   AND NEW.status IN ('sent', 'declined', 'failed', 'reversed', 'in_review'))
    OR (OLD.status = 'failed'    AND NEW.status IN ('pending', 'sent', 'reversed'))
    OR (OLD.status = 'sent'      AND NEW.status IN ('thanked', 'reversed'))
    OR (OLD.status = 'thanked'   AND NEW.status = 'reversed')
  ) THEN
    RAISE EXCEPTION 'reward % cannot move from % to %', OLD.id, OLD.status, NEW.status USING ERRCODE = 'RL409';
  END IF;
  -- Once paid (or closed), what was paid and to whom is history.
  IF OLD.status NOT IN ('in_review', 'pending', 'failed') AND (
       NEW.amount <> OLD.amount OR NEW.currency <> OLD.currency OR NEW.referrer_id <> OLD.referrer_id) THEN
    RAISE EXCEPTION 'reward % is %: its amount and payee are fixed', OLD.id, OLD.status USING ERRCODE = 'RL409';
  END IF;
  IF OLD.sent_at IS NOT NULL AND NEW.sent_at IS DISTINCT FROM OLD.sent_at THEN
    RAISE EXCEPTION 'reward % was sent at %: that fact is fixed', OLD.id, OLD.sent_at USING ERRCODE = 'RL409';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER rewards_guard BEFORE INSERT OR UPDATE OR DELETE ON rewards
  FOR EACH ROW EXECUTE FUNCTION rewards_guard();
--> statement-breakpoint

-- Flags never vanish: they are resolved with a reason, never deleted, and a resolution is final.
CREATE FUNCTION reward_flags_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'flags are resolved, never deleted' USING ERRCODE = 'RL001';
  END IF;
  IF OLD.resolved_at IS NOT NULL THEN
    RAISE EXCEPTION 'flag % is already resolved', OLD.id USING ERRCODE = 'RL409';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER reward_flags_guard BEFORE UPDATE OR DELETE ON reward_flags
  FOR EACH ROW EXECUTE FUNCTION reward_flags_guard();
