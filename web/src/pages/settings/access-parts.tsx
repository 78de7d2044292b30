import type { ReactNode } from 'react';
import { ROLES } from '../../../../src/shared/vocabulary.js';
import { humanize } from '../../format';

/** The roles a person or key may be given, from the server's closed list. */
export function RoleOptions() {
  return (
    <>
      {ROLES.map((role) => (
        <option key={role} value={role}>
          {humanize(role)}
        </option>
      ))}
    </>
  );
}

/** One row of a list of people or keys: who, then their role and what can be done. */
export function AccessRow({ who, role, children }: { who: ReactNode; role: string; children: ReactNode }) {
  return (
    <div className="spread">
      <span>{who}</span>
      <span className="row">
        <span className="badge">{role}</span>
        {children}
      </span>
    </div>
  );
}
