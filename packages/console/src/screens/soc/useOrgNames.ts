// Names for the organization ids a list shows (the notification log carries ids only), fetched once each.
import { useEffect, useState } from 'react';
import { api } from '../../api/client.js';
import type { OrganizationDetail } from '../../api/types.js';

export function useOrgNames(ids: (string | null)[]): Record<string, string> {
  const [names, setNames] = useState<Record<string, string>>({});
  const wanted = [...new Set(ids.filter((x): x is string => !!x))].filter((id) => !(id in names)).sort();
  const key = wanted.join(',');
  useEffect(() => {
    if (!wanted.length) return;
    let live = true;
    // A handful per page; an id out of reach keeps showing as the id.
    void Promise.all(
      wanted.slice(0, 50).map((id) =>
        api
          .get<OrganizationDetail>(`/organizations/${encodeURIComponent(id)}`)
          .then((o) => [id, o.name] as const)
          .catch(() => [id, id] as const),
      ),
    ).then((pairs) => {
      if (live) setNames((n) => ({ ...n, ...Object.fromEntries(pairs) }));
    });
    return () => {
      live = false;
    };
  }, [key]);
  return names;
}
