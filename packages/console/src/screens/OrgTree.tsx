// Organization tree (state → prefectures → municipalities → wards), children loaded when a node opens,
// following the WAI-ARIA tree pattern (roving tabindex, arrow keys, Home/End, Enter opens the detail page).
import { useCallback, useEffect, useRef, useState } from 'react';
import type { FormEvent, KeyboardEvent } from 'react';
import { ApiError, api } from '../api/client.js';
import type { Me, Organization, Page } from '../api/types.js';
import { Banner } from '../components/Banner.js';
import { Button } from '../components/Button.js';
import { DataTable } from '../components/DataTable.js';
import { TextField } from '../components/Field.js';
import { PageHeader } from '../components/Layout.js';
import { useI18n } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/i18n.js';
import { Link, useRouter } from '../router.js';

export const kindLabel = (t: (k: MessageKey) => string, kind: string) => t(`kind.${kind}` as MessageKey);

type Children = Organization[] | 'loading' | 'error';

export function OrgTree({ me }: { me: Me }) {
  const { t, locale } = useI18n();
  const { navigate } = useRouter();
  const [roots, setRoots] = useState<Organization[] | null>(null);
  const [children, setChildren] = useState<Record<string, Children>>({});
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [focusId, setFocusId] = useState<string | null>(null);
  const [selected, setSelected] = useState<Organization | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<{ q: string; items: Organization[]; next: string | null } | null>(
    null,
  );
  const [searching, setSearching] = useState(false);
  const itemRefs = useRef(new Map<string, HTMLLIElement>());
  const parents = useRef(new Map<string, string | null>());

  const showError = useCallback(
    (e: unknown) => setError(e instanceof ApiError ? e.localized(locale) : String(e)),
    [locale],
  );

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        let items = (await api.get<Page<Organization>>('/organizations', { kind: 'state' })).items;
        // Users below the state see their own organization as the root of the tree.
        if (items.length === 0) items = [await api.get<Organization>(`/organizations/${me.organization.id}`)];
        if (!live) return;
        items.forEach((o) => parents.current.set(o.id, null));
        setRoots(items);
        setFocusId(items[0]?.id ?? null);
      } catch (e) {
        if (live) showError(e);
      }
    })();
    return () => {
      live = false;
    };
  }, [me.organization.id, showError]);

  const loadChildren = async (id: string) => {
    if (children[id] && children[id] !== 'error') return;
    setChildren((c) => ({ ...c, [id]: 'loading' }));
    try {
      const r = await api.get<{ items: Organization[] }>(`/organizations/${encodeURIComponent(id)}/children`);
      r.items.forEach((o) => parents.current.set(o.id, id));
      setChildren((c) => ({ ...c, [id]: r.items }));
    } catch (e) {
      setChildren((c) => ({ ...c, [id]: 'error' }));
      showError(e);
    }
  };

  const toggle = (o: Organization, open?: boolean) => {
    if (o.childCount === 0) return;
    const willOpen = open ?? !expanded.has(o.id);
    setExpanded((s) => {
      const n = new Set(s);
      if (willOpen) n.add(o.id);
      else n.delete(o.id);
      return n;
    });
    if (willOpen) void loadChildren(o.id);
  };

  // Visible nodes in display order, for keyboard movement.
  const visible: Organization[] = [];
  const walk = (list: Organization[]) => {
    for (const o of list) {
      visible.push(o);
      const c = children[o.id];
      if (expanded.has(o.id) && Array.isArray(c)) walk(c);
    }
  };
  if (roots) walk(roots);

  const moveFocus = (id: string | undefined | null) => {
    if (!id) return;
    setFocusId(id);
    itemRefs.current.get(id)?.focus();
  };

  const onKey = (e: KeyboardEvent<HTMLLIElement>, o: Organization) => {
    const i = visible.findIndex((v) => v.id === o.id);
    let handled = true;
    switch (e.key) {
      case 'ArrowDown':
        moveFocus(visible[i + 1]?.id);
        break;
      case 'ArrowUp':
        moveFocus(visible[i - 1]?.id);
        break;
      case 'Home':
        moveFocus(visible[0]?.id);
        break;
      case 'End':
        moveFocus(visible[visible.length - 1]?.id);
        break;
      case 'ArrowRight':
        if (o.childCount > 0 && !expanded.has(o.id)) toggle(o, true);
        else if (expanded.has(o.id)) {
          const c = children[o.id];
          if (Array.isArray(c)) moveFocus(c[0]?.id);
        }
        break;
      case 'ArrowLeft':
        if (expanded.has(o.id)) toggle(o, false);
        else moveFocus(parents.current.get(o.id));
        break;
      case 'Enter':
        navigate(`/orgs/${encodeURIComponent(o.id)}`);
        break;
      case ' ':
        setSelected(o);
        break;
      default:
        handled = false;
    }
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  };

  const renderNodes = (list: Organization[], level: number) =>
    list.map((o, idx) => {
      const open = expanded.has(o.id);
      const c = children[o.id];
      const hasKids = o.childCount > 0;
      return (
        <li
          key={o.id}
          role="treeitem"
          aria-level={level}
          aria-setsize={list.length}
          aria-posinset={idx + 1}
          aria-expanded={hasKids ? open : undefined}
          aria-selected={selected?.id === o.id}
          tabIndex={focusId === o.id ? 0 : -1}
          ref={(el) => {
            if (el) itemRefs.current.set(o.id, el);
            else itemRefs.current.delete(o.id);
          }}
          onKeyDown={(e) => onKey(e, o)}
          onFocus={(e) => {
            if (e.target === e.currentTarget) setFocusId(o.id);
          }}
          className="tree-item"
        >
          <div
            className={`tree-row${selected?.id === o.id ? ' is-selected' : ''}`}
            style={{ paddingLeft: `${(level - 1) * 1.5 + 0.5}rem` }}
            onClick={(e) => {
              e.stopPropagation();
              setSelected(o);
              setFocusId(o.id);
              if (hasKids && !open) toggle(o, true);
            }}
          >
            <span
              className={`tree-toggle${hasKids ? '' : ' is-leaf'}${open ? ' is-open' : ''}`}
              aria-hidden="true"
              onClick={(e) => {
                e.stopPropagation();
                setFocusId(o.id);
                toggle(o);
              }}
            >
              {hasKids ? (
                <svg viewBox="0 0 16 16">
                  <path d="M5.5 3.5 10 8l-4.5 4.5" fill="none" stroke="currentColor" strokeWidth="2" />
                </svg>
              ) : null}
            </span>
            <span className="tree-name">{o.name}</span>
            {o.code ? <span className="tree-code">{o.code}</span> : null}
            <span className={`kind-tag kind-${o.kind}`}>{kindLabel(t, o.kind)}</span>
            {hasKids ? <span className="tree-count">{t('org.childCount', { n: o.childCount })}</span> : null}
          </div>
          {open ? (
            c === 'loading' ? (
              <p className="tree-loading" style={{ paddingLeft: `${level * 1.5 + 2}rem` }}>
                {t('common.loading')}
              </p>
            ) : Array.isArray(c) ? (
              <ul role="group">{renderNodes(c, level + 1)}</ul>
            ) : null
          ) : null}
        </li>
      );
    });

  const search = async (e: FormEvent) => {
    e.preventDefault();
    const q = query.trim();
    if (!q) {
      setResults(null);
      return;
    }
    setSearching(true);
    setError(null);
    try {
      const r = await api.get<Page<Organization>>('/organizations', { q, limit: 50 });
      setResults({ q, items: r.items, next: r.nextCursor ?? null });
    } catch (err) {
      showError(err);
    } finally {
      setSearching(false);
    }
  };

  const more = async () => {
    if (!results?.next) return;
    try {
      const r = await api.get<Page<Organization>>('/organizations', {
        q: results.q,
        limit: 50,
        cursor: results.next,
      });
      setResults({ q: results.q, items: [...results.items, ...r.items], next: r.nextCursor ?? null });
    } catch (err) {
      showError(err);
    }
  };

  return (
    <>
      <PageHeader title={t('org.treeTitle')} lead={t('org.treeLead')} />
      {error ? <Banner kind="error" title={error} onClose={() => setError(null)} /> : null}

      <section className="card" aria-labelledby="org-search-h">
        <h2 id="org-search-h" className="card-title">
          {t('org.searchTitle')}
        </h2>
        <form role="search" className="search-row" onSubmit={search} aria-labelledby="org-search-h">
          <TextField
            label={t('org.searchLabel')}
            support={t('org.searchSupport')}
            type="search"
            name="q"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
          <Button type="submit" busy={searching}>
            {t('common.search')}
          </Button>
          {results ? (
            <Button
              variant="text"
              onClick={() => {
                setResults(null);
                setQuery('');
              }}
            >
              {t('common.clear')}
            </Button>
          ) : null}
        </form>
        {results ? (
          <div className="search-results">
            <p role="status" className="result-count">
              {t('org.searchResults', { q: results.q, n: results.items.length })}
              {results.next ? t('org.searchMore') : ''}
            </p>
            <DataTable
              caption={t('org.searchTitle')}
              rows={results.items}
              rowKey={(o) => o.id}
              empty={t('org.searchEmpty')}
              columns={[
                {
                  key: 'name',
                  header: t('org.name'),
                  sortValue: (o) => o.nameKana || o.name,
                  render: (o) => <Link href={`/orgs/${encodeURIComponent(o.id)}`}>{o.name}</Link>,
                },
                {
                  key: 'kana',
                  header: t('org.kana'),
                  sortValue: (o) => o.nameKana,
                  render: (o) => o.nameKana,
                },
                {
                  key: 'code',
                  header: t('org.code'),
                  sortValue: (o) => o.code,
                  render: (o) => <span className="mono">{o.code ?? '—'}</span>,
                },
                {
                  key: 'kind',
                  header: t('org.kind'),
                  sortValue: (o) => o.kind,
                  render: (o) => <span className={`kind-tag kind-${o.kind}`}>{kindLabel(t, o.kind)}</span>,
                },
              ]}
            />
            {results.next ? (
              <Button variant="outline" size="sm" onClick={more}>
                {t('common.loadMore')}
              </Button>
            ) : null}
          </div>
        ) : null}
      </section>

      <div className="tree-layout">
        <section className="card tree-card" aria-labelledby="org-tree-h">
          <h2 id="org-tree-h" className="card-title">
            {t('org.hierarchy')}
          </h2>
          <p className="field-support">{t('org.treeHelp')}</p>
          {roots === null ? (
            <p>{t('common.loading')}</p>
          ) : (
            <ul role="tree" aria-labelledby="org-tree-h" className="tree">
              {renderNodes(roots, 1)}
            </ul>
          )}
        </section>
        <aside className="card summary-card" aria-labelledby="org-sel-h">
          <h2 id="org-sel-h" className="card-title">
            {t('org.selected')}
          </h2>
          {selected ? (
            <>
              <p className="summary-name">{selected.name}</p>
              <p className="summary-kana">{selected.nameKana}</p>
              <dl className="kv">
                <dt>{t('org.code')}</dt>
                <dd className="mono">{selected.code ?? '—'}</dd>
                <dt>{t('org.kind')}</dt>
                <dd>{kindLabel(t, selected.kind)}</dd>
                <dt>{t('org.children')}</dt>
                <dd>{selected.childCount}</dd>
              </dl>
              <Link
                className="btn btn-solid btn-md btn-block"
                href={`/orgs/${encodeURIComponent(selected.id)}`}
              >
                {t('org.openDetail', { name: selected.name })}
              </Link>
            </>
          ) : (
            <p className="muted">{t('org.selectHint')}</p>
          )}
        </aside>
      </div>
    </>
  );
}
