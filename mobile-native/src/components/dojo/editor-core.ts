/**
 * The shared editor's engine, plain DOM + CodeMirror 6 + Yjs (no React
 * Native): used inside the `'use dom'` component, which renders inline on the
 * web and inside a WebView on iOS/Android.
 */
import { java } from '@codemirror/lang-java';
import { javascript } from '@codemirror/lang-javascript';
import { python } from '@codemirror/lang-python';
import { type Extension, EditorState } from '@codemirror/state';
import { oneDark } from '@codemirror/theme-one-dark';
import { EditorView } from '@codemirror/view';
import { basicSetup } from 'codemirror';
import { yCollab } from 'y-codemirror.next';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { DojoSessionState } from '../../api/types';
import type { EditorSnapshot, Peer, SyncStatus } from './types';

export interface EditorOptions {
  parent: HTMLElement;
  language: string;
  dark: boolean;
  readOnly: boolean;
  /** The text to show when there is no live sync (an ended dojo's final code). */
  initialCode?: string;
  sync?: { serverUrl: string; room: string; params: Record<string, string> } | null;
  user: { name: string; color: string };
  onChange?: (snapshot: EditorSnapshot) => void;
  /** A fresh access token after the server closed with 4401 (expired). */
  renewToken?: () => Promise<string>;
  /** Injected for tests: the WebSocket class. */
  WebSocketPolyfill?: typeof WebSocket;
}

export function languageExtension(language: string): Extension {
  switch (language.toLowerCase()) {
    case 'javascript':
    case 'js':
      return javascript();
    case 'typescript':
    case 'ts':
      return javascript({ typescript: true });
    case 'python':
    case 'py':
      return python();
    case 'java':
    case 'kotlin':
      return java();
    default:
      return [];
  }
}

/** Close codes after which reconnecting cannot help (API.md, Dojos). */
const FINAL_CLOSE = new Set([4403, 4404, 4413]);

export function mountEditor(options: EditorOptions): () => void {
  const doc = new Y.Doc();
  const text = doc.getText('code');
  const session = doc.getMap('session');
  const extensions: Extension[] = [basicSetup, languageExtension(options.language), EditorView.lineWrapping];
  if (options.dark) extensions.push(oneDark);
  if (options.readOnly) extensions.push(EditorState.readOnly.of(true), EditorView.editable.of(false));

  let provider: WebsocketProvider | null = null;
  let status: SyncStatus = options.sync ? 'connecting' : 'closed';
  let closeCode: number | undefined;
  let everConnected = false;

  const snapshot = (): EditorSnapshot => {
    const peers: Peer[] = [];
    if (provider) {
      for (const [clientId, state] of provider.awareness.getStates()) {
        const user = (state as { user?: { name?: string; color?: string } }).user;
        if (user?.name) peers.push({ clientId, name: user.name, color: user.color ?? '#888', self: clientId === doc.clientID });
      }
    }
    return { status, ...(closeCode ? { closeCode } : {}), session: session.toJSON() as DojoSessionState, peers };
  };
  const emit = () => options.onChange?.(snapshot());

  if (options.sync) {
    provider = new WebsocketProvider(options.sync.serverUrl, options.sync.room, doc, {
      params: { ...options.sync.params },
      ...(options.WebSocketPolyfill ? { WebSocketPolyfill: options.WebSocketPolyfill } : {}),
    });
    provider.awareness.setLocalStateField('user', { name: options.user.name, color: options.user.color, colorLight: `${options.user.color}33` });
    extensions.push(yCollab(text, provider.awareness));
    provider.on('status', (event: { status: string }) => {
      if (event.status === 'connected') {
        everConnected = true;
        status = 'connected';
      } else if (status !== 'closed') status = everConnected ? 'reconnecting' : 'connecting';
      emit();
    });
    provider.on('connection-close', (event: CloseEvent | null) => {
      const code = event?.code;
      if (code === 4401 && options.renewToken) {
        // Expired token: renew it; the provider reconnects with the new one (its URL is built from params).
        void options.renewToken().then((token) => {
          if (provider) provider.params.token = token;
        });
      } else if (code !== undefined && FINAL_CLOSE.has(code)) {
        status = 'closed';
        closeCode = code;
        provider?.disconnect();
        emit();
      }
    });
    provider.awareness.on('change', emit);
    session.observe(emit);
  } else {
    text.insert(0, options.initialCode ?? '');
  }

  const view = new EditorView({ parent: options.parent, state: EditorState.create({ doc: text.toString(), extensions }) });
  emit();

  return () => {
    view.destroy();
    provider?.destroy();
    provider = null;
    doc.destroy();
  };
}
