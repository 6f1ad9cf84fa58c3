import { useCallback, useEffect, useState } from 'react';
import type { ReportSummary } from '../api/types';
import { BarChart } from '../components/BarChart';
import { Banner, Body, Button, Card, Field, Loading, Row, Screen, Title } from '../components/ui';
import { useI18n } from '../i18n';
import { periodQuery, toBars, toTotals } from '../reports/summary';
import { useServices } from '../state/AppContext';
import { useDebounced } from '../state/hooks';
import { describeError } from '../state/services';

export function ReportsScreen() {
  const { api, platform } = useServices();
  const { t } = useI18n();
  const [year, setYear] = useState(String(new Date().getFullYear()));
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [summary, setSummary] = useState<ReportSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<'csv' | 'pdf' | null>(null);
  const period = useDebounced(periodQuery({ year, from, to }), 400);
  const periodKey = JSON.stringify(period);

  const load = useCallback(async () => {
    try {
      const p = JSON.parse(periodKey) as ReturnType<typeof periodQuery>;
      const { year: _year, ...range } = p;
      setSummary(await api.reportSummary(range));
      setError(null);
    } catch (e) {
      setError(describeError(t, e));
    }
  }, [api, periodKey, t]);

  useEffect(() => {
    void load();
  }, [load]);

  async function download(kind: 'csv' | 'pdf') {
    setBusy(kind);
    setNotice(null);
    try {
      const p = periodQuery({ year, from, to });
      // CSV takes from/to (and the list filters); PDF takes year or from/to.
      const query = kind === 'pdf' && p.year && !from && !to ? { year: p.year } : { ...(p.from ? { from: p.from } : {}), ...(p.to ? { to: p.to } : {}) };
      const file = await api.downloadReport(kind, query);
      await platform.saveFile({ name: file.filename, contentType: file.contentType, body: file.body });
      setNotice(t('report.saved', { name: file.filename }));
    } catch (e) {
      setError(describeError(t, e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <Screen testID="reports-screen">
      <Title>{t('report.title')}</Title>
      <Card>
        <Body muted>{t('report.period')}</Body>
        <Row>
          <Field label={t('report.year')} testID="report-year" value={year} onChangeText={setYear} keyboardType="number-pad" />
          <Field label={t('report.from')} testID="report-from" value={from} onChangeText={setFrom} placeholder="2026-01-01" />
          <Field label={t('report.to')} testID="report-to" value={to} onChangeText={setTo} placeholder="2026-12-31" />
        </Row>
        <Row>
          <Button label={t('report.csv')} onPress={() => void download('csv')} busy={busy === 'csv'} testID="report-csv" />
          <Button label={t('report.pdf')} onPress={() => void download('pdf')} busy={busy === 'pdf'} variant="secondary" testID="report-pdf" />
        </Row>
        {notice ? <Banner tone="success" testID="report-notice">{notice}</Banner> : null}
      </Card>
      {error ? <Banner tone="error" testID="report-error">{error}</Banner> : null}
      {summary ? (
        <Card testID="report-summary">
          <BarChart title={t('report.totals')} bars={toTotals(summary.totals)} testID="chart-totals" />
          <BarChart title={t('report.byMonth')} bars={toBars(summary.byMonth)} testID="chart-month" />
          <BarChart title={t('report.byStatus')} bars={toBars(summary.byStatus)} label={(s) => t(`poc.status.${s}`)} testID="chart-status" />
          <BarChart title={t('report.byLanguage')} bars={toBars(summary.byLanguage)} testID="chart-language" />
          <BarChart title={t('report.byTag')} bars={toBars(summary.byTag)} testID="chart-tag" />
          <BarChart title={t('report.dojos')} bars={toTotals(summary.dojos)} testID="chart-dojos" />
        </Card>
      ) : error ? null : (
        <Loading />
      )}
    </Screen>
  );
}
