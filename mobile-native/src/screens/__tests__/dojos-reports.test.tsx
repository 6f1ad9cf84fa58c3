import { screen, waitFor, within } from '@testing-library/react-native';
import { fill, press, renderApp } from '../../testing/render-app';

describe('dojos', () => {
  it('creates a dojo, opens its room, and lists it', async () => {
    const { api } = await renderApp();
    await press('tab-dojos');
    expect(await screen.findByText('No dojos yet.')).toBeTruthy();
    await press('dojo-new');
    await press('dojo-create-submit');
    expect(await screen.findByTestId('dojo-title-error')).toHaveTextContent('Required');
    await fill('dojo-title', 'Friday kata');
    await fill('dojo-kata', 'Bowling');
    await press('dojo-language-python');
    await press('dojo-create-submit');
    expect(await screen.findByTestId('dojo-room-screen')).toBeTruthy();
    expect(await screen.findByLabelText('Shared code editor')).toBeTruthy();
    expect(screen.getByTestId('dojo-pilot')).toHaveTextContent('No pilot yet');
    const created = api.state.requests.find((r) => r.method === 'POST' && r.path === '/v1/dojos')!;
    expect(created.body).toMatchObject({ title: 'Friday kata', kata: 'Bowling', language: 'python', rotationMinutes: 7 });
  });
});

describe('reports', () => {
  it('downloads the CSV for the period and shows the summary as charts', async () => {
    const { api, device } = await renderApp();
    await press('tab-reports');
    const summary = await screen.findByTestId('report-summary');
    expect(within(summary).getByText('POCs per month')).toBeTruthy();
    await fill('report-year', '2025');
    await press('report-csv');
    await waitFor(() => expect(device.saved).toHaveLength(1));
    expect(device.saved[0]).toMatchObject({ name: 'pocs.csv', contentType: 'text/csv; charset=utf-8' });
    expect(new TextDecoder().decode(device.saved[0]!.body)).toMatch(/^id,name,status/);
    const csv = api.state.requests.find((r) => r.path === '/v1/reports/pocs.csv')!;
    expect(csv.query.get('from')).toBe('2025-01-01T00:00:00.000Z');
    expect(csv.query.get('to')).toBe('2025-12-31T23:59:59.999Z');
    expect(await screen.findByTestId('report-notice')).toHaveTextContent('Saved pocs.csv');
  });
});
