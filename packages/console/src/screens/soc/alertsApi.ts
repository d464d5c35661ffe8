// The alert routes (packages/server/src/routes/soc-alerts.ts), in one place so the screens share them.
import { api } from '../../api/client.js';
import type { Page } from '../../api/types.js';
import type { AlertComment, SocAlert, SocEvent } from './types.js';

export interface AlertQuery {
  /** Sent as repeated parameters (status=new&status=acknowledged). */
  status?: string[];
  severity?: string[];
  organizationId?: string;
  q?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
}

export interface AlertDetail {
  alert: SocAlert;
  events: SocEvent[];
  comments: AlertComment[];
}

export type BulkAction = 'acknowledge' | 'resolve' | 'assign_me';

export const alertsApi = {
  list: (q: AlertQuery) => {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) {
      if (v === undefined || v === '') continue;
      for (const one of Array.isArray(v) ? v : [v]) qs.append(k, String(one));
    }
    const s = qs.toString();
    return api.get<Page<SocAlert>>(s ? `/soc/alerts?${s}` : '/soc/alerts');
  },
  get: (id: string) => api.get<AlertDetail>(`/soc/alerts/${encodeURIComponent(id)}`),
  acknowledge: (id: string) => api.post<SocAlert>(`/soc/alerts/${encodeURIComponent(id)}/acknowledge`),
  assign: (id: string, assigneeId: string | null) =>
    api.post<SocAlert>(`/soc/alerts/${encodeURIComponent(id)}/assign`, { assigneeId }),
  comment: (id: string, body: string) =>
    api.post<AlertComment>(`/soc/alerts/${encodeURIComponent(id)}/comments`, { body }),
  resolve: (id: string) => api.post<SocAlert>(`/soc/alerts/${encodeURIComponent(id)}/resolve`),
  falsePositive: (id: string, reason: string) =>
    api.post<SocAlert>(`/soc/alerts/${encodeURIComponent(id)}/false-positive`, { reason }),
  incident: (id: string, summary: string) =>
    api.post<SocAlert>(`/soc/alerts/${encodeURIComponent(id)}/incident`, { summary }),
  bulk: (ids: string[], action: BulkAction) =>
    api.post<{ updated: number }>('/soc/alerts/bulk', { ids, action }),
  streamUrl: '/api/v1/soc/alerts/stream',
};
