import { lazy } from 'react';

// CodeMirror and Yjs load with the first dojo opened, not with the app (they are most of the web bundle's weight).
export const LazyCodeEditor = lazy(() => import('./CodeEditor'));
