// The ASM screens by route name.
import type { Me } from '../../api/types.js';
import { AssetsScreen } from './Assets.js';
import { DashboardScreen } from './Dashboard.js';
import { FindingDetailScreen } from './FindingDetail.js';
import { FindingsScreen } from './Findings.js';
import { ScanRunScreen } from './ScanRun.js';
import { ScopeScreen } from './Scope.js';
import type { AsmRouteName } from './routes.js';
import './asm.css';

export { parseAsmRoute, asmNav, asmTitles, type AsmRouteName } from './routes.js';

export function AsmScreen({
  name,
  params,
  me,
}: {
  name: AsmRouteName;
  params: Record<string, string>;
  me: Me;
}) {
  switch (name) {
    case 'asmFindings':
      return <FindingsScreen me={me} />;
    case 'asmFinding':
      return <FindingDetailScreen id={params.id ?? ''} me={me} />;
    case 'asmAssets':
      return <AssetsScreen me={me} />;
    case 'asmScope':
      return <ScopeScreen me={me} />;
    case 'asmScanRun':
      return <ScanRunScreen id={params.id ?? ''} />;
    case 'asmDashboard':
      return <DashboardScreen me={me} />;
  }
}
