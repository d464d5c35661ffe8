// The SOC administration screens by route name; a role without the permission gets the forbidden page.
import type { Me } from '../../api/types.js';
import { PageHeader } from '../../components/Layout.js';
import { useI18n } from '../../i18n/i18n.js';
import { Link } from '../../router.js';
import { canOpenSocAdmin, type SocAdminRouteName } from './adminRoutes.js';
import { ContactsScreen } from './Contacts.js';
import { NotificationsScreen } from './Notifications.js';
import { RuleSetsScreen } from './RuleSets.js';
import { SyslogSourcesScreen } from './SyslogSources.js';

export { parseSocAdminRoute, socAdminNav, socAdminTitles, type SocAdminRouteName } from './adminRoutes.js';

export function SocAdminScreen({ name, me }: { name: SocAdminRouteName; me: Me }) {
  const { t } = useI18n();
  if (!canOpenSocAdmin(name, me.role))
    return (
      <>
        <PageHeader title={t('notFound.forbidden')} />
        <Link href="/orgs">{t('org.backToTree')}</Link>
      </>
    );
  if (name === 'socContacts') return <ContactsScreen me={me} />;
  if (name === 'socRuleSets') return <RuleSetsScreen me={me} />;
  if (name === 'socSources') return <SyslogSourcesScreen me={me} />;
  return <NotificationsScreen me={me} />;
}
