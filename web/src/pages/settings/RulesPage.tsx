import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { REWARD_TYPES } from '../../../../src/policy/policy.core.js';
import { PARTICIPANT_KINDS, QUALIFYING_CANDIDATES } from '../../../../src/shared/vocabulary.js';
import { get, type ProgramRules, put } from '../../api';
import { useCan } from '../../app';
import { humanize, REWARD_TYPE_LABEL } from '../../format';
import type { Issues } from '../../forms';
import { ErrorBanner, FieldIssue, IssueBanner, Loading, toast } from '../../ui';
import { type RulesDraft, readRulesDraft, rulesToDraft } from './rules-draft';

const FIELDS = [
  'qualifyingTypes',
  'allowedReferrerKinds',
  'currency',
  'minAmount',
  'holdDays',
  'capPerMonth',
  'capLifetime',
  'startsAt',
  'endsAt',
  'twoApproversAbove',
  'payoutDayOfMonth',
  'taxThreshold',
  'taxableRewardTypes',
  'autoApproval',
  'termsVersion',
  'termsText',
];

type SetDraft = (change: Partial<RulesDraft>) => void;

/** A group of checkboxes choosing some of a closed list. */
function Choices({
  title,
  options,
  chosen,
  onChange,
  label,
  issue,
}: {
  title: string;
  options: readonly string[];
  chosen: string[];
  onChange: (next: string[]) => void;
  label: (option: string) => string;
  issue: ReactNode;
}) {
  return (
    <fieldset className="plain">
      <legend>
        <h3>{title}</h3>
      </legend>
      {options.map((option) => (
        <label key={option} className="check">
          <input
            type="checkbox"
            checked={chosen.includes(option)}
            onChange={(e) => onChange(e.target.checked ? [...chosen, option] : chosen.filter((c) => c !== option))}
          />
          {label(option)}
        </label>
      ))}
      {issue}
    </fieldset>
  );
}

/** One labelled text input of the rules form, with the API's objection beside it. */
function TextField({
  label,
  name,
  issues,
  ...input
}: { label: string; name: string; issues: Issues } & React.InputHTMLAttributes<HTMLInputElement>) {
  return (
    <label className="field">
      {label}
      <input {...input} />
      <FieldIssue issues={issues} name={name} />
    </label>
  );
}

function LimitFields({ draft, set, issues }: { draft: RulesDraft; set: SetDraft; issues: Issues }) {
  return (
    <div className="form-grid">
      <TextField
        label="Currency"
        name="currency"
        issues={issues}
        maxLength={3}
        value={draft.currency}
        onChange={(e) => set({ currency: e.target.value.toUpperCase() })}
      />
      <TextField
        label="Minimum conversion"
        name="minAmount"
        issues={issues}
        inputMode="decimal"
        value={draft.minAmount}
        onChange={(e) => set({ minAmount: e.target.value })}
      />
      <TextField
        label="Hold period (days)"
        name="holdDays"
        issues={issues}
        inputMode="numeric"
        value={draft.holdDays}
        onChange={(e) => set({ holdDays: e.target.value })}
      />
      <TextField
        label="Cap per referrer / month"
        name="capPerMonth"
        issues={issues}
        inputMode="numeric"
        placeholder="none"
        value={draft.capPerMonth}
        onChange={(e) => set({ capPerMonth: e.target.value })}
      />
      <TextField
        label="Lifetime cap"
        name="capLifetime"
        issues={issues}
        inputMode="numeric"
        placeholder="none"
        value={draft.capLifetime}
        onChange={(e) => set({ capLifetime: e.target.value })}
      />
      <TextField
        label="Program starts"
        name="startsAt"
        issues={issues}
        type="date"
        value={draft.startsAt}
        onChange={(e) => set({ startsAt: e.target.value })}
      />
      <TextField
        label="Program ends"
        name="endsAt"
        issues={issues}
        type="date"
        value={draft.endsAt}
        onChange={(e) => set({ endsAt: e.target.value })}
      />
      <TextField
        label="Two approvers above"
        name="twoApproversAbove"
        issues={issues}
        inputMode="decimal"
        placeholder="never"
        value={draft.twoApproversAbove}
        onChange={(e) => set({ twoApproversAbove: e.target.value })}
      />
    </div>
  );
}

/** The monthly payout run and the tax threshold: what finance's Payouts screen works with. */
function PayoutFields({ draft, set, issues }: { draft: RulesDraft; set: SetDraft; issues: Issues }) {
  return (
    <fieldset className="plain stack">
      <legend>
        <h3>Payouts and tax</h3>
      </legend>
      <div className="form-grid">
        <TextField
          label="Payout day of the month"
          name="payoutDayOfMonth"
          issues={issues}
          inputMode="numeric"
          placeholder="no monthly run"
          value={draft.payoutDayOfMonth}
          onChange={(e) => set({ payoutDayOfMonth: e.target.value })}
        />
        <TextField
          label="Tax threshold per payee a year"
          name="taxThreshold.amount"
          issues={issues}
          inputMode="decimal"
          value={draft.taxThreshold}
          onChange={(e) => set({ taxThreshold: e.target.value })}
        />
        <TextField
          label="Tax threshold currency"
          name="taxThreshold.currency"
          issues={issues}
          maxLength={3}
          value={draft.taxThresholdCurrency}
          onChange={(e) => set({ taxThresholdCurrency: e.target.value.toUpperCase() })}
        />
      </div>
      <p className="faint">
        On the payout day the month's batch is drafted and finance is told. A claim that takes a payee without a tax
        form to the threshold in a calendar year waits for finance (2,000 USD is the US reporting threshold from 2026).
      </p>
      <Choices
        title="Rewards that count toward the threshold"
        options={REWARD_TYPES.filter((type) => type !== 'none')}
        chosen={draft.taxableRewardTypes}
        onChange={(taxableRewardTypes) => set({ taxableRewardTypes })}
        label={(type) => REWARD_TYPE_LABEL[type as keyof typeof REWARD_TYPE_LABEL] ?? humanize(type)}
        issue={<FieldIssue issues={issues} name="taxableRewardTypes" />}
      />
    </fieldset>
  );
}

function AutoApproval({ draft, set, issues }: { draft: RulesDraft; set: SetDraft; issues: Issues }) {
  return (
    <div className="row">
      <label className="check">
        <input type="checkbox" checked={draft.autoApprove} onChange={(e) => set({ autoApprove: e.target.checked })} />
        Auto-approve clean claims up to
      </label>
      <input
        inputMode="decimal"
        aria-label="Auto-approval limit"
        style={{ width: 120 }}
        disabled={!draft.autoApprove}
        value={draft.autoApproveMax}
        onChange={(e) => set({ autoApproveMax: e.target.value })}
      />
      <span className="faint">
        {draft.currency}. Flagged claims always go to a person; your opt-in is the approval record.
      </span>
      <FieldIssue issues={issues} name="autoApproval.maxAmount" />
    </div>
  );
}

function RulesFields({ draft, set, issues }: { draft: RulesDraft; set: SetDraft; issues: Issues }) {
  return (
    <>
      <div className="grid-2">
        <Choices
          title="Qualifying events"
          options={QUALIFYING_CANDIDATES}
          chosen={draft.qualifyingTypes}
          onChange={(qualifyingTypes) => set({ qualifyingTypes })}
          label={humanize}
          issue={<FieldIssue issues={issues} name="qualifyingTypes" />}
        />
        <Choices
          title="Who may refer"
          options={PARTICIPANT_KINDS}
          chosen={draft.allowedReferrerKinds}
          onChange={(allowedReferrerKinds) => set({ allowedReferrerKinds })}
          label={(kind) => `${humanize(kind)}s`}
          issue={<FieldIssue issues={issues} name="allowedReferrerKinds" />}
        />
      </div>
      <LimitFields draft={draft} set={set} issues={issues} />
      <AutoApproval draft={draft} set={set} issues={issues} />
      <PayoutFields draft={draft} set={set} issues={issues} />
      <div className="form-grid">
        <TextField
          label="Terms version"
          name="termsVersion"
          issues={issues}
          value={draft.termsVersion}
          onChange={(e) => set({ termsVersion: e.target.value })}
        />
      </div>
      <label className="field">
        Terms
        <textarea rows={3} value={draft.termsText} onChange={(e) => set({ termsText: e.target.value })} />
        <FieldIssue issues={issues} name="termsText" />
      </label>
    </>
  );
}

/** Program rules: which conversions qualify, who may refer, limits, approvals. Saving makes a new version. */
export function RulesPage() {
  const can = useCan();
  const client = useQueryClient();
  const rules = useQuery({ queryKey: ['rules'], queryFn: () => get<ProgramRules>('/v1/program-rules') });
  const [draft, setDraft] = useState<RulesDraft | null>(null);
  const [issues, setIssues] = useState<Issues>({});
  useEffect(() => {
    if (rules.data) setDraft(rulesToDraft(rules.data));
  }, [rules.data]);
  const save = useMutation({
    mutationFn: (body: unknown) => put<ProgramRules>('/v1/program-rules', body),
    onSuccess: (saved) => {
      client.setQueryData(['rules'], saved);
      toast(`Program rules saved as version ${saved.version}`);
    },
  });
  if (rules.error) return <ErrorBanner error={rules.error} />;
  if (!rules.data || !draft) return <Loading />;
  const { velocity, version, autoApproval } = rules.data;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const { body, issues } = readRulesDraft(draft, velocity);
    setIssues(issues);
    if (body) save.mutate(body);
  };
  return (
    <form className="card stack" onSubmit={submit} aria-label="Program rules">
      <div>
        <h2>Program rules</h2>
        <div className="faint">
          Version {version} · claims record the version that judged them
          {autoApproval.enabled ? ` · auto-approval signed by ${autoApproval.enabledBy}` : ''}
        </div>
      </div>
      <fieldset disabled={!can.may('rules:write')} className="plain stack">
        <RulesFields draft={draft} set={(change) => setDraft({ ...draft, ...change })} issues={issues} />
        <IssueBanner issues={issues} fields={FIELDS} />
        <ErrorBanner error={save.error} />
        {can.may('rules:write') ? (
          <div>
            <button className="primary" type="submit" disabled={save.isPending}>
              Save rules
            </button>
          </div>
        ) : (
          <span className="faint">Only the owner can change the rules.</span>
        )}
      </fieldset>
    </form>
  );
}
