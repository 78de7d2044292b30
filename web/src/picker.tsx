import { useQuery } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { get, type Page, type Participant } from './api';

/** Pick a participant by typing part of a name, email or code. */
export function PersonPicker({
  label,
  value,
  onChange,
  exclude,
}: {
  label: string;
  value: Participant | null;
  onChange: (person: Participant | null) => void;
  exclude?: string;
}) {
  const id = useId();
  const [text, setText] = useState('');
  const [debounced, setDebounced] = useState('');
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(text.trim()), 200);
    return () => clearTimeout(timer);
  }, [text]);
  const results = useQuery({
    queryKey: ['people', debounced],
    queryFn: () => get<Page<Participant>>(`/v1/participants?limit=8&q=${encodeURIComponent(debounced)}`),
    enabled: open && debounced.length > 0,
  });
  if (value) {
    return (
      <div className="field">
        <span className="small" style={{ fontWeight: 600, color: 'var(--muted)' }}>
          {label}
        </span>
        <div className="row">
          <strong>{value.name}</strong>
          <span className="faint">{value.email ?? value.phone ?? value.referralCode}</span>
          <button type="button" className="link" onClick={() => onChange(null)}>
            Change
          </button>
        </div>
      </div>
    );
  }
  const options = (results.data?.items ?? []).filter((person) => person.id !== exclude);
  const listShown = open && options.length > 0;
  return (
    <label className="field" htmlFor={id} style={{ position: 'relative' }}>
      {label}
      <input
        id={id}
        aria-autocomplete="list"
        // Only while the list is there: aria-controls must name an element that exists.
        aria-controls={listShown ? `${id}-list` : undefined}
        placeholder="Type a name, email or code"
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
        }}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && options[0]) {
            e.preventDefault();
            onChange(options[0]);
          }
        }}
      />
      {listShown ? (
        <ul id={`${id}-list`} aria-label={`${label} suggestions`} className="card picker-list">
          {options.map((person) => (
            <li key={person.id}>
              <button type="button" onMouseDown={(e) => e.preventDefault()} onClick={() => onChange(person)}>
                <span>{person.name}</span>
                <span className="faint">{person.email ?? person.phone ?? person.kind}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </label>
  );
}
