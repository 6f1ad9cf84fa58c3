import { act, screen, waitFor, within } from '@testing-library/react-native';
import { createFakeApi } from '../../testing/fake-api';
import { fill, press, renderApp } from '../../testing/render-app';

type Api = ReturnType<typeof createFakeApi>;

/** POCs already on the platform (and projected), written through the API like the app does. */
async function seed(api: Api, pocs: { name: string; languages?: string[]; tags?: string[]; status?: string }[]) {
  const tokens = await api.seedAccount('acme');
  const { accessToken } = tokens;
  for (const poc of pocs) {
    await api.fetch('http://edge.test/v1/pocs', { method: 'POST', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify(poc) });
  }
  api.project();
  return tokens;
}

async function givenApp(pocs: Parameters<typeof seed>[1] = []) {
  const api = createFakeApi();
  const tokens = await seed(api, pocs);
  return renderApp({ api, tokens });
}

const listRequests = (api: Api) => api.state.requests.filter((r) => r.method === 'GET' && r.path === '/v1/pocs');
const posts = (api: Api, name?: string) => api.state.requests.filter((r) => r.method === 'POST' && r.path === '/v1/pocs' && (!name || (r.body as { name: string }).name === name));

describe('the POC list', () => {
  it('renders the facets with their counts and filters by a chip', async () => {
    const { api } = await givenApp([
      { name: 'Kubernetes operator', languages: ['go'], tags: ['k8s'] },
      { name: 'Edge cache', languages: ['go', 'lua'], tags: ['perf'], status: 'done' },
      { name: 'Notebook', languages: ['python'], tags: ['data'] },
    ]);
    expect(await screen.findByText('Kubernetes operator')).toBeTruthy();
    expect(screen.getByTestId('poc-total')).toHaveTextContent('3 POCs');
    const languages = screen.getByTestId('facet-language');
    expect(within(languages).getByLabelText('Filter go: 2 POCs')).toBeTruthy();
    expect(within(languages).getByLabelText('Filter python: 1 POCs')).toBeTruthy();
    expect(within(screen.getByTestId('facet-status')).getByLabelText('Filter Done: 1 POCs')).toBeTruthy();

    await press('facet-language-python');
    await waitFor(() => expect(screen.queryByText('Kubernetes operator')).toBeNull());
    expect(screen.getByText('Notebook')).toBeTruthy();
    expect(screen.getByTestId('facet-language-python')).toBeChecked();
    expect(listRequests(api).at(-1)!.query.getAll('language')).toEqual(['python']);
  });

  it('searches as you type, debounced, with suggestions', async () => {
    const { api } = await givenApp([{ name: 'Kubernetes operator', tags: ['k8s'] }, { name: 'Edge cache' }]);
    await screen.findByText('Edge cache');
    const before = listRequests(api).length;
    await fill('poc-search', 'k');
    await fill('poc-search', 'ku');
    await fill('poc-search', 'kub');
    expect(await screen.findByTestId('suggest-name-Kubernetes operator')).toBeTruthy();
    await waitFor(() => expect(screen.queryByText('Edge cache')).toBeNull());
    // One list request for the three keystrokes, for the last text.
    const searches = listRequests(api).slice(before);
    expect(searches.map((r) => r.query.get('q'))).toEqual(['kub']);
    expect(api.state.requests.filter((r) => r.path === '/v1/pocs/suggest').length).toBeLessThanOrEqual(2);
  });

  it('loads the next page on scroll (cursor) and refreshes on pull', async () => {
    const { api } = await givenApp(Array.from({ length: 75 }, (_, i) => ({ name: `POC ${String(i).padStart(2, '0')}` })));
    await screen.findByText('POC 74');
    expect(screen.queryByText('POC 00')).toBeNull();
    const list = screen.getByTestId('poc-list');
    await act(async () => {
      list.props.onEndReached();
    });
    // The list is virtualised: the rows far down are not rendered, but they are in its data.
    await waitFor(() => expect(screen.getByTestId('poc-list').props.data).toHaveLength(75));
    expect(screen.getByTestId('poc-list').props.data.at(-1).name).toBe('POC 00');
    expect(listRequests(api).at(-1)!.query.get('cursor')).toBe('50');
    await act(async () => {
      list.props.refreshControl.props.onRefresh();
    });
    await waitFor(() => expect(listRequests(api).at(-1)!.query.get('cursor')).toBeNull());
  });
});

describe('creating a POC', () => {
  it('shows it in the list at once, through the consistency token (the read side lags)', async () => {
    const { api } = await givenApp([]);
    await screen.findByText('No POCs yet. Create the first one.');
    await press('poc-new');
    await fill('poc-name', 'Service mesh trial');
    await fill('poc-languages', 'Go, Rust');
    await press('poc-save');
    expect(await screen.findByText('Service mesh trial')).toBeTruthy();
    expect(listRequests(api).at(-1)!.headers['consistency-token']).toMatch(/^pos-/);
    expect(posts(api)).toHaveLength(1);
  });

  it('shows server validation errors on the field', async () => {
    const { api } = await givenApp([]);
    await press('poc-new');
    await fill('poc-name', 'Fine locally');
    api.state.rejectNextPocCreate = [{ path: 'body.name', message: 'contains a forbidden word' }];
    await press('poc-save');
    expect(await screen.findByTestId('poc-name-error')).toHaveTextContent('contains a forbidden word');
    expect(screen.getByTestId('poc-form-error')).toHaveTextContent('Please fix the highlighted fields.');
  });

  it('checks the form before sending', async () => {
    const { api } = await givenApp([]);
    await press('poc-new');
    await fill('poc-repo', 'http://example.com/x');
    await press('poc-save');
    expect(await screen.findByTestId('poc-name-error')).toHaveTextContent('Required');
    expect(screen.getByTestId('poc-repo-error')).toHaveTextContent(/https:\/\/github\.com\/owner\/repo/);
    expect(posts(api)).toHaveLength(0);
  });
});

describe('offline', () => {
  it('queues a POC created offline and sends it once when back online', async () => {
    const { api, device } = await givenApp([{ name: 'Already there' }]);
    await screen.findByText('Already there');
    api.state.offline = true;
    await act(async () => device.setOnline(false));
    await press('poc-new');
    expect(await screen.findByTestId('poc-form-offline')).toBeTruthy();
    await fill('poc-name', 'Written on the train');
    await press('poc-save');
    expect(await screen.findByText('Waiting to be sent')).toBeTruthy();
    expect(screen.getByText('Written on the train')).toBeTruthy();
    expect(posts(api, 'Written on the train')).toHaveLength(0);

    api.state.offline = false;
    await act(async () => device.setOnline(true));
    await waitFor(() => expect(screen.queryByText('Waiting to be sent')).toBeNull());
    expect(await screen.findByText('Written on the train')).toBeTruthy();
    // Flapping connectivity does not send it again.
    await act(async () => device.setOnline(false));
    await act(async () => device.setOnline(true));
    await act(async () => new Promise((r) => setTimeout(r, 50)));
    expect(posts(api, 'Written on the train')).toHaveLength(1);
    expect(api.pocs().filter((p) => p.name === 'Written on the train')).toHaveLength(1);
  });

  it('keeps the last list and opened details readable without network', async () => {
    const api = createFakeApi();
    const tokens = await seed(api, [{ name: 'Kubernetes operator', languages: ['go'] }]);
    const first = await renderApp({ api, tokens });
    await screen.findByText('Kubernetes operator');
    await press(`poc-row-${api.pocs()[0]!.id}`);
    expect(await screen.findByTestId('poc-detail-screen')).toBeTruthy();
    first.view.unmount();

    api.state.offline = true;
    await renderApp({ api, device: first.device });
    expect(await screen.findByTestId('offline-banner')).toBeTruthy();
    expect(screen.getByText('Kubernetes operator')).toBeTruthy();
    await press(`poc-row-${api.pocs()[0]!.id}`);
    expect(await screen.findByTestId('poc-detail-screen')).toBeTruthy();
    expect(screen.getByText('Languages: go')).toBeTruthy();
  });
});

describe('editing and deleting', () => {
  it('explains a 412 conflict and applies my change on top of theirs', async () => {
    const { api } = await givenApp([{ name: 'Edge cache', tags: ['perf'] }]);
    const id = api.pocs()[0]!.id;
    await press(`poc-row-${id}`);
    await press('poc-edit');
    await fill('poc-tags', 'perf, cdn');
    api.editBehindTheBack(id, { description: 'Someone else wrote this' });
    await press('poc-save');
    const conflict = await screen.findByTestId('poc-conflict');
    expect(conflict).toHaveTextContent(/Someone else saved this POC first/);
    expect(conflict).toHaveTextContent(/now version 2/);
    await press('conflict-keep-mine');
    await screen.findByTestId('poc-detail-screen');
    await waitFor(() => expect(api.pocs()[0]).toMatchObject({ tags: ['perf', 'cdn'], description: 'Someone else wrote this', version: 3 }));
  });

  it('deletes only after confirmation', async () => {
    const { api } = await givenApp([{ name: 'Short-lived' }]);
    const id = api.pocs()[0]!.id;
    await press(`poc-row-${id}`);
    await press('poc-delete');
    expect(await screen.findByText('Delete this POC?')).toBeTruthy();
    await press('confirm-cancel');
    expect(api.pocs()).toHaveLength(1);
    await press('poc-delete');
    await press('confirm-ok');
    await waitFor(() => expect(api.pocs()).toHaveLength(0));
    expect(await screen.findByText('No POCs yet. Create the first one.')).toBeTruthy();
  });
});
