import { act, screen, waitFor, within } from '@testing-library/react-native';
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

describe('the dojo room', () => {
  type EditorProps = { onChange: (s: unknown) => void; readOnly: boolean; initialCode?: string; sync: unknown };
  const editor = () => (globalThis as unknown as { __editorProps: EditorProps }).__editorProps;

  it('shows the connection, the pilot, the rotation countdown and the participants from the shared session, then the final code read-only', async () => {
    const { api } = await renderApp();
    await press('tab-dojos');
    await press('dojo-new');
    await fill('dojo-title', 'Bowling');
    await fill('dojo-starter', 'let score = 0;');
    await press('dojo-create-submit');
    await screen.findByLabelText('Shared code editor');
    expect(screen.getByTestId('dojo-connection')).toHaveTextContent('Connecting…');
    expect(editor().sync).toMatchObject({ serverUrl: 'ws://edge.test/v1/dojos', room: expect.stringMatching(/\/sync$/), params: { token: expect.any(String), name: 'Olga Owner' } });

    await act(async () =>
      editor().onChange({
        status: 'connected',
        session: { status: 'live', pilot: 'u2', pilotName: 'Ana', rotationEndsAt: Date.now() + 65_000, participants: [{ userId: 'u2', displayName: 'Ana', role: 'pilot' }] },
        peers: [{ clientId: 1, name: 'Olga Owner', color: '#e11d48', self: true }, { clientId: 2, name: 'Ana', color: '#2563eb', self: false }],
      }),
    );
    expect(screen.getByTestId('dojo-connection')).toHaveTextContent('Connected');
    expect(screen.getByTestId('dojo-pilot')).toHaveTextContent('Pilot: Ana');
    expect(screen.getByTestId('dojo-countdown')).toHaveTextContent(/Next rotation in 1:0[45]/);
    expect(within(screen.getByTestId('dojo-participants')).getByText(/Ana · pilot/)).toBeTruthy();

    await act(async () => editor().onChange({ status: 'reconnecting', session: { status: 'live' }, peers: [] }));
    expect(screen.getByTestId('dojo-connection')).toHaveTextContent('Connection lost — reconnecting…');

    await act(async () => editor().onChange({ status: 'connected', session: { status: 'ended' }, peers: [] }));
    expect(await screen.findByTestId('dojo-ended')).toBeTruthy();
    await waitFor(() => expect(editor()).toMatchObject({ readOnly: true, initialCode: 'let score = 0;', sync: null }));
    expect(api.state.requests.some((r) => r.path.endsWith('/code'))).toBe(true);
  });
});

describe('the year in review', () => {
  it('asks for the video, follows its progress and plays it', async () => {
    const { api } = await renderApp();
    await press('tab-year');
    await press('video-request');
    expect(await screen.findByText('Waiting for a renderer…')).toBeTruthy();
    expect(await screen.findByText('Rendering… 50%', {}, { timeout: 6_000 })).toBeTruthy();
    expect(await screen.findByText('Ready (42 s)', {}, { timeout: 6_000 })).toBeTruthy();
    expect(await screen.findByTestId('video-player')).toBeTruthy();
    const asked = api.state.requests.find((r) => r.method === 'POST' && r.path === '/v1/videos')!;
    expect(asked.body).toEqual({ year: new Date().getFullYear() });
  });
});
