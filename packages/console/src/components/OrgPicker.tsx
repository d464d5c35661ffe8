// Choose an organization: a search box narrows a select list that always offers the user's own organization.
import { useEffect, useState } from 'react';
import { api } from '../api/client.js';
import type { Organization, Page } from '../api/types.js';
import { useI18n } from '../i18n/i18n.js';
import { SelectField, TextField } from './Field.js';

export interface OrgOption {
  id: string;
  name: string;
  code: string | null;
}

export function OrgPicker({
  label,
  value,
  onChange,
  base,
  error,
}: {
  label: string;
  value: string;
  onChange: (id: string) => void;
  base: OrgOption;
  error?: string | null;
}) {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const [found, setFound] = useState<OrgOption[]>([]);

  useEffect(() => {
    const query = q.trim();
    if (!query) {
      setFound([]);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      api
        .get<Page<Organization>>('/organizations', { q: query, limit: 30 })
        .then((r) => {
          if (!live) return;
          setFound(r.items);
          if (r.items[0]) onChange(r.items[0].id);
        })
        .catch(() => live && setFound([]));
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // onChange is a fresh closure each render; the search depends on the text only
  }, [q]);

  const options = [base, ...found.filter((o) => o.id !== base.id)];
  return (
    <div className="org-picker">
      <TextField
        label={t('picker.search', { label })}
        support={t('picker.support')}
        type="search"
        value={q}
        onChange={(e) => setQ(e.target.value)}
      />
      <SelectField
        label={label}
        required
        value={value}
        error={error}
        onChange={(e) => onChange(e.target.value)}
        options={options.map((o) => ({ value: o.id, label: o.code ? `${o.name}（${o.code}）` : o.name }))}
      />
    </div>
  );
}
