// Data table with sortable column headers: the header is a button, the column carries aria-sort.
import { useMemo, useState } from 'react';
import type { ReactNode } from 'react';
import { useI18n } from '../i18n/i18n.js';

export interface Column<T> {
  key: string;
  header: string;
  render: (row: T) => ReactNode;
  /** Value used for sorting; a column without one is not sortable. */
  sortValue?: (row: T) => string | number | null;
  numeric?: boolean;
  className?: string;
}

export function DataTable<T>({
  caption,
  columns,
  rows,
  rowKey,
  empty,
  initialSort,
}: {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  empty: string;
  initialSort?: { key: string; dir: 'asc' | 'desc' };
}) {
  const { t, locale } = useI18n();
  const [sort, setSort] = useState(initialSort ?? null);
  const sorted = useMemo(() => {
    const col = sort && columns.find((c) => c.key === sort.key);
    if (!col?.sortValue) return rows;
    const get = col.sortValue;
    const collator = new Intl.Collator(locale === 'ja' ? 'ja' : 'en', { numeric: true });
    const out = [...rows].sort((a, b) => {
      const x = get(a);
      const y = get(b);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return typeof x === 'number' && typeof y === 'number' ? x - y : collator.compare(String(x), String(y));
    });
    return sort?.dir === 'desc' ? out.reverse() : out;
  }, [rows, sort, columns, locale]);

  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => {
              const active = sort?.key === c.key;
              const ariaSort = active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined;
              return (
                <th
                  key={c.key}
                  scope="col"
                  aria-sort={c.sortValue ? (ariaSort ?? 'none') : undefined}
                  className={[c.numeric ? 'num' : '', c.className ?? ''].join(' ').trim() || undefined}
                >
                  {c.sortValue ? (
                    <button
                      type="button"
                      className="th-sort"
                      onClick={() =>
                        setSort({ key: c.key, dir: active && sort.dir === 'asc' ? 'desc' : 'asc' })
                      }
                    >
                      {c.header}
                      <span className="visually-hidden">
                        {' '}
                        {active
                          ? t(sort.dir === 'asc' ? 'table.sortedAsc' : 'table.sortedDesc')
                          : t('table.sortable')}
                      </span>
                      <svg
                        className={`sort-icon ${active ? sort.dir : ''}`}
                        viewBox="0 0 12 16"
                        aria-hidden="true"
                      >
                        <path d="M6 1 1.5 6.5h9z" className="up" />
                        <path d="M6 15 1.5 9.5h9z" className="down" />
                      </svg>
                    </button>
                  ) : (
                    c.header
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {sorted.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="table-empty">
                {empty}
              </td>
            </tr>
          ) : (
            sorted.map((row) => (
              <tr key={rowKey(row)}>
                {columns.map((c) => (
                  <td
                    key={c.key}
                    className={[c.numeric ? 'num' : '', c.className ?? ''].join(' ').trim() || undefined}
                  >
                    {c.render(row)}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
