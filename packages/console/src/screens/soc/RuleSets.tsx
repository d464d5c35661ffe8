// Sigma rule sets per prefecture and logsource: which run (defaults until the prefecture chooses), turned on
// or off one at a time after a confirmation, or a logsource returned to the shipped defaults.
import { useEffect, useState } from 'react';
import { ApiError, api } from '../../api/client.js';
import type { Me, Organization, Page } from '../../api/types.js';
import type { LogsourceRuleSets, PrefectureRuleSets, RuleSetChoice } from '../../api/soc-admin-types.js';
import { Banner } from '../../components/Banner.js';
import { Button } from '../../components/Button.js';
import { ConfirmDialog } from '../../components/ConfirmDialog.js';
import { SelectField } from '../../components/Field.js';
import { PageHeader } from '../../components/Layout.js';
import { useI18n } from '../../i18n/i18n.js';
import { canManageRuleSets } from './adminRoutes.js';
import { formatNumber } from './common.js';
import './socAdmin.css';

type Pending =
  | { kind: 'toggle'; source: LogsourceRuleSets; set: RuleSetChoice }
  | { kind: 'reset'; source: LogsourceRuleSets };

export function RuleSetsScreen({ me }: { me: Me }) {
  const { t, locale } = useI18n();
  const [prefectures, setPrefectures] = useState<Organization[] | null>(null);
  const [prefId, setPrefId] = useState('');
  const [state, setState] = useState<PrefectureRuleSets | null>(null);
  const [notice, setNotice] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const manage = canManageRuleSets(me.role);
  const msg = (e: unknown) => (e instanceof ApiError ? e.localized(locale) : String(e));

  useEffect(() => {
    api
      .get<Page<Organization>>('/organizations', { kind: 'prefecture', limit: 200 })
      .then((r) => {
        setPrefectures(r.items);
        const own = r.items.find((o) => o.id === me.organization.id);
        setPrefId(own?.id ?? r.items[0]?.id ?? '');
      })
      .catch((e: unknown) => {
        setPrefectures([]);
        setNotice({ kind: 'error', text: msg(e) });
      });
  }, []);

  useEffect(() => {
    if (!prefId) return;
    setState(null);
    api
      .get<PrefectureRuleSets>(`/soc/rule-sets/${encodeURIComponent(prefId)}`)
      .then(setState)
      .catch((e: unknown) => setNotice({ kind: 'error', text: msg(e) }));
  }, [prefId]);

  const label = (x: { ja: string; en: string }) => (locale === 'en' ? x.en : x.ja);

  const apply = async () => {
    const p = pending;
    setPending(null);
    if (!p) return;
    let ruleSets: string[] | null = null;
    if (p.kind === 'toggle') {
      const on = p.source.ruleSets.filter((r) => r.enabled).map((r) => r.name);
      ruleSets = p.set.enabled ? on.filter((n) => n !== p.set.name) : [...on, p.set.name];
    }
    try {
      const next = await api.put<PrefectureRuleSets>(
        `/soc/rule-sets/${encodeURIComponent(prefId)}/${encodeURIComponent(p.source.logsource)}`,
        { ruleSets },
      );
      setState(next);
      setNotice({
        kind: 'success',
        text:
          p.kind === 'reset'
            ? t('socAdmin.rules.resetDone', { source: label(p.source) })
            : t(p.set.enabled ? 'socAdmin.rules.disabled' : 'socAdmin.rules.enabled', { name: label(p.set) }),
      });
    } catch (e) {
      setNotice({ kind: 'error', text: msg(e) });
    }
  };

  const dialog =
    pending?.kind === 'toggle'
      ? {
          title: t(pending.set.enabled ? 'socAdmin.rules.disableTitle' : 'socAdmin.rules.enableTitle'),
          body: t(pending.set.enabled ? 'socAdmin.rules.disableBody' : 'socAdmin.rules.enableBody', {
            name: label(pending.set),
            source: label(pending.source),
          }),
          confirm: t(pending.set.enabled ? 'socAdmin.rules.disable' : 'socAdmin.rules.enable'),
        }
      : pending?.kind === 'reset'
        ? {
            title: t('socAdmin.rules.resetTitle'),
            body: t('socAdmin.rules.resetBody', { source: label(pending.source) }),
            confirm: t('socAdmin.rules.reset'),
          }
        : { title: '', body: '', confirm: '' };

  return (
    <>
      <PageHeader title={t('socAdmin.rules.title')} lead={t('socAdmin.rules.lead')} />
      {notice ? (
        <Banner
          kind={notice.kind}
          title={notice.text}
          onClose={() => setNotice(null)}
          focus={notice.kind === 'error'}
        />
      ) : null}
      <section className="card" aria-labelledby="soc-rules-scope-h">
        <h2 id="soc-rules-scope-h" className="card-title">
          {t('socAdmin.rules.scope')}
        </h2>
        {prefectures === null ? (
          <p>{t('common.loading')}</p>
        ) : prefectures.length === 0 ? (
          <p>{t('socAdmin.rules.noPrefecture')}</p>
        ) : (
          <div className="form-grid">
            <SelectField
              label={t('socAdmin.rules.prefecture')}
              required
              value={prefId}
              onChange={(e) => setPrefId(e.target.value)}
              options={prefectures.map((p) => ({ value: p.id, label: p.name }))}
            />
          </div>
        )}
        {!manage ? <p className="field-support">{t('socAdmin.rules.readOnly')}</p> : null}
      </section>
      {prefId && state === null ? <p>{t('common.loading')}</p> : null}
      {state?.logsources.map((src) => (
        <section
          className="card"
          key={src.logsource}
          aria-labelledby={`soc-ls-${src.logsource}`}
          data-logsource={src.logsource}
        >
          <div className="card-head">
            <h2 id={`soc-ls-${src.logsource}`} className="card-title">
              {label(src)}
            </h2>
            <span className={`status-tag ${src.configured ? 'status-warn' : 'status-ok'}`}>
              {t(src.configured ? 'socAdmin.rules.configured' : 'socAdmin.rules.defaults')}
            </span>
          </div>
          <div className="table-wrap">
            <table className="table soc-rules-table">
              <caption className="visually-hidden">
                {t('socAdmin.rules.setsOf', { source: label(src) })}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t('socAdmin.rules.set')}</th>
                  <th scope="col">{t('socAdmin.rules.id')}</th>
                  <th scope="col" className="num">
                    {t('socAdmin.rules.count')}
                  </th>
                  <th scope="col">{t('socAdmin.rules.default')}</th>
                  <th scope="col">{t('socAdmin.rules.state')}</th>
                  {manage ? <th scope="col">{t('socAdmin.rules.change')}</th> : null}
                </tr>
              </thead>
              <tbody>
                {src.ruleSets.map((r) => (
                  <tr key={r.name} data-rule-set={r.name}>
                    <th scope="row">{label(r)}</th>
                    <td className="mono">{r.name}</td>
                    <td className="num" data-key="rules">
                      {formatNumber(locale, r.rules)}
                    </td>
                    <td>{t(r.default ? 'socAdmin.rules.defaultOn' : 'socAdmin.rules.defaultOff')}</td>
                    <td>
                      <span className={`status-tag ${r.enabled ? 'status-ok' : 'status-off'}`}>
                        {t(r.enabled ? 'socAdmin.rules.on' : 'socAdmin.rules.off')}
                      </span>
                    </td>
                    {manage ? (
                      <td>
                        <Button
                          size="xs"
                          variant="outline"
                          aria-label={t(r.enabled ? 'socAdmin.rules.disableOf' : 'socAdmin.rules.enableOf', {
                            name: label(r),
                          })}
                          onClick={() => setPending({ kind: 'toggle', source: src, set: r })}
                        >
                          {t(r.enabled ? 'socAdmin.rules.disable' : 'socAdmin.rules.enable')}
                        </Button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {manage && src.configured ? (
            <Button size="sm" variant="text" onClick={() => setPending({ kind: 'reset', source: src })}>
              {t('socAdmin.rules.resetOf', { source: label(src) })}
            </Button>
          ) : null}
        </section>
      ))}
      <p className="field-support">{t('socAdmin.rules.note')}</p>
      <ConfirmDialog
        open={pending !== null}
        title={dialog.title}
        body={dialog.body}
        confirmLabel={dialog.confirm}
        onConfirm={() => void apply()}
        onCancel={() => setPending(null)}
      />
    </>
  );
}
