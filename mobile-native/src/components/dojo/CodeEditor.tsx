'use dom';

// An Expo DOM component: on the web it renders inline (no WebView); on iOS and Android
// Expo hosts it in a WebView. Only the editor surface is web code; the rest of the app is native.
import type { DOMProps } from 'expo/dom';
import { useEffect, useRef } from 'react';
import { mountEditor } from './editor-core';
import type { EditorSnapshot } from './types';

export interface CodeEditorProps {
  language: string;
  dark: boolean;
  readOnly: boolean;
  initialCode?: string;
  sync?: { serverUrl: string; room: string; params: Record<string, string> } | null;
  user: { name: string; color: string };
  label: string;
  onChange?: (snapshot: EditorSnapshot) => Promise<void> | void;
  renewToken?: () => Promise<string>;
  dom?: DOMProps;
}

export default function CodeEditor({ language, dark, readOnly, initialCode, sync, user, label, onChange, renewToken }: CodeEditorProps) {
  const parent = useRef<HTMLDivElement>(null);
  const callbacks = useRef({ onChange, renewToken });
  callbacks.current = { onChange, renewToken };
  const syncKey = sync ? `${sync.serverUrl}/${sync.room}` : '';

  useEffect(() => {
    if (!parent.current) return;
    return mountEditor({
      parent: parent.current,
      language,
      dark,
      readOnly,
      ...(initialCode !== undefined ? { initialCode } : {}),
      sync: sync ?? null,
      user,
      onChange: (s) => void callbacks.current.onChange?.(s),
      renewToken: () => callbacks.current.renewToken?.() ?? Promise.reject(new Error('no token source')),
    });
    // Remount only when the room, the language or the mode changes (not on every parent render).
  }, [syncKey, language, dark, readOnly, initialCode]);

  return <div ref={parent} role="group" aria-label={label} data-testid="code-editor" style={{ height: '100%', minHeight: 320, fontSize: 15, overflow: 'auto', border: '1px solid #8884', borderRadius: 8 }} />;
}
