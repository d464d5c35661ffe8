// The SOC screens by route name.
import type { Me } from '../../api/types.js';
import { AlertDetailScreen } from './AlertDetail.js';
import { AlertQueueScreen } from './AlertQueue.js';
import { EventSearchScreen } from './EventSearch.js';
import { LiveViewScreen } from './LiveView.js';
import { MonthlyReportScreen } from './MonthlyReport.js';
import { QuarantineScreen } from './Quarantine.js';
import type { SocRouteName } from './routes.js';

export { parseSocRoute, socNav, socTitles, type SocRouteName } from './routes.js';

export function SocScreen({
  name,
  params,
  me,
}: {
  name: SocRouteName;
  params: Record<string, string>;
  me: Me;
}) {
  switch (name) {
    case 'socAlerts':
      return <AlertQueueScreen me={me} />;
    case 'socAlert':
      return <AlertDetailScreen id={params.id ?? ''} me={me} />;
    case 'socLive':
      return <LiveViewScreen me={me} />;
    case 'socEvents':
      return <EventSearchScreen me={me} />;
    case 'socQuarantine':
      return <QuarantineScreen me={me} />;
    case 'socReport':
      return <MonthlyReportScreen me={me} />;
  }
}
