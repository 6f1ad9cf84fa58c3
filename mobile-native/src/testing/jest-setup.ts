// jest-expo setup for screen tests: web-only surfaces replaced by plain views.

// The dojo editor is a DOM component (CodeMirror in a WebView on devices); its engine is covered by the e2e test.
jest.mock('../components/dojo/LazyCodeEditor', () => {
  const { createElement } = jest.requireActual<typeof import('react')>('react');
  const { View } = jest.requireActual<typeof import('react-native')>('react-native');
  return {
    // The latest props, so a test can play the editor's side (connection, session map, peers).
    LazyCodeEditor: (props: { label: string }) => {
      (globalThis as { __editorProps?: unknown }).__editorProps = props;
      return createElement(View, { testID: 'code-editor', accessibilityLabel: props.label });
    },
  };
});
jest.mock('../components/VideoPlayer', () => {
  const { createElement } = jest.requireActual<typeof import('react')>('react');
  const { View } = jest.requireActual<typeof import('react-native')>('react-native');
  return { VideoPlayer: (props: { uri: string }) => createElement(View, { testID: 'video-player', accessibilityLabel: props.uri }) };
});
