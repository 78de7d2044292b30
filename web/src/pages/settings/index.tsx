import type { ComponentType } from 'react';
import type { Permission } from '../../../../src/access/roles.core.js';
import { useCan } from '../../app';
import { Link } from '../../router';
import { Empty } from '../../ui';
import { ApiKeysPage } from './ApiKeysPage';
import { DiscountCodesPage } from './DiscountCodesPage';
import { GrowthPage } from './GrowthPage';
import { IntegrationsPage } from './IntegrationsPage';
import { RulesPage } from './RulesPage';
import { SenderPage } from './SenderPage';
import { TemplatesPage } from './TemplatesPage';
import { UsersPage } from './UsersPage';
import { WebhooksPage } from './WebhooksPage';

/** Settings, one page per section, each at its own URL (/settings/<slug>); /settings is the first. */
const SECTIONS: { slug: string; label: string; page: ComponentType; permission?: Permission }[] = [
  { slug: 'rules', label: 'Program rules', page: RulesPage },
  { slug: 'sender', label: 'Sender and notifications', page: SenderPage },
  { slug: 'growth', label: 'Invitations and leaderboard', page: GrowthPage },
  { slug: 'templates', label: 'Message templates', page: TemplatesPage },
  { slug: 'users', label: 'Users', page: UsersPage, permission: 'access:manage' },
  { slug: 'api-keys', label: 'API keys', page: ApiKeysPage, permission: 'access:manage' },
  { slug: 'integrations', label: 'Integrations', page: IntegrationsPage, permission: 'integrations:manage' },
  { slug: 'discount-codes', label: 'Discount codes', page: DiscountCodesPage },
  { slug: 'webhooks', label: 'Webhooks', page: WebhooksPage, permission: 'webhooks:manage' },
];

export function Settings({ path }: { path: string }) {
  const can = useCan();
  const sections = SECTIONS.filter((section) => !section.permission || can.may(section.permission));
  const slug = path.split('/')[2] || sections[0]?.slug;
  const section = sections.find((candidate) => candidate.slug === slug);
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Settings</h1>
          <p>Program rules, how thank-yous are signed, message templates, and who has access.</p>
        </div>
      </div>
      <nav className="subnav" aria-label="Settings">
        {sections.map((item) => (
          <Link key={item.slug} to={`/settings/${item.slug}`} current={item.slug === slug}>
            {item.label}
          </Link>
        ))}
      </nav>
      {section ? (
        <section.page />
      ) : (
        <Empty title="No such settings page">
          <Link to="/settings">Back to the program rules</Link>
        </Empty>
      )}
    </>
  );
}
