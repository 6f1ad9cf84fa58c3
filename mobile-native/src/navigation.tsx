import { createBottomTabNavigator } from '@react-navigation/bottom-tabs';
import { DarkTheme, DefaultTheme, type LinkingOptions, NavigationContainer, type NavigatorScreenParams } from '@react-navigation/native';
import { createNativeStackNavigator, type NativeStackScreenProps } from '@react-navigation/native-stack';
import { Text } from 'react-native';
import { Loading } from './components/ui';
import { useI18n } from './i18n';
import { AccountScreen } from './screens/AccountScreen';
import { DojoListScreen } from './screens/DojoListScreen';
import { DojoRoomScreen } from './screens/DojoRoomScreen';
import { LoginScreen } from './screens/LoginScreen';
import { PocDetailScreen } from './screens/PocDetailScreen';
import { PocFormScreen } from './screens/PocFormScreen';
import { PocListScreen } from './screens/PocListScreen';
import { ReportsScreen } from './screens/ReportsScreen';
import { SignUpScreen } from './screens/SignUpScreen';
import { YearScreen } from './screens/YearScreen';
import { useOutboxSync, useSignedIn } from './state/AppContext';
import { useTheme } from './theme';

export type TabParams = { Pocs: undefined; Dojos: undefined; Reports: undefined; Year: undefined; Account: undefined };
export type RootParams = {
  Login: undefined;
  SignUp: undefined;
  Home: NavigatorScreenParams<TabParams> | undefined;
  PocNew: undefined;
  PocDetail: { id: string };
  PocEdit: { id: string };
  DojoRoom: { id: string };
};

const Stack = createNativeStackNavigator<RootParams>();
const Tabs = createBottomTabNavigator<TabParams>();

/** URLs of the web build (and deep links `poctracker://...` on devices); the edge answers every one with the app. */
export const linking: LinkingOptions<RootParams> = {
  prefixes: ['poctracker://'],
  config: {
    screens: {
      Login: 'login',
      SignUp: 'signup',
      Home: { screens: { Pocs: '', Dojos: 'dojos', Reports: 'reports', Year: 'year', Account: 'account' } },
      PocNew: 'pocs/new',
      PocDetail: 'pocs/:id',
      PocEdit: 'pocs/:id/edit',
      DojoRoom: 'dojos/:id',
    },
  },
};

const icon = (glyph: string) =>
  function TabIcon({ color }: { color: string }) {
    return <Text style={{ color, fontSize: 16, lineHeight: 20 }} accessibilityElementsHidden importantForAccessibility="no">{glyph}</Text>;
  };

function HomeTabs({ navigation }: NativeStackScreenProps<RootParams, 'Home'>) {
  const { t } = useI18n();
  const theme = useTheme();
  return (
    <Tabs.Navigator screenOptions={{ tabBarActiveTintColor: theme.colors.primary, tabBarInactiveTintColor: theme.colors.textMuted, tabBarLabelStyle: { fontSize: 12 }, tabBarStyle: { minHeight: 56 } }}>
      <Tabs.Screen name="Pocs" options={{ title: t('poc.list.title'), tabBarLabel: t('tabs.pocs'), tabBarIcon: icon('☰'), tabBarButtonTestID: 'tab-pocs' }}>
        {() => <PocListScreen onOpen={(id) => navigation.navigate('PocDetail', { id })} onNew={() => navigation.navigate('PocNew')} />}
      </Tabs.Screen>
      <Tabs.Screen name="Dojos" options={{ title: t('dojo.list.title'), tabBarLabel: t('tabs.dojos'), tabBarIcon: icon('⌨'), tabBarButtonTestID: 'tab-dojos' }}>
        {() => <DojoListScreen onOpen={(id) => navigation.navigate('DojoRoom', { id })} />}
      </Tabs.Screen>
      <Tabs.Screen name="Reports" component={ReportsScreen} options={{ title: t('report.title'), tabBarLabel: t('tabs.reports'), tabBarIcon: icon('▥'), tabBarButtonTestID: 'tab-reports' }} />
      <Tabs.Screen name="Year" component={YearScreen} options={{ title: t('video.title'), tabBarLabel: t('tabs.year'), tabBarIcon: icon('★'), tabBarButtonTestID: 'tab-year' }} />
      <Tabs.Screen name="Account" component={AccountScreen} options={{ title: t('account.title'), tabBarLabel: t('tabs.account'), tabBarIcon: icon('◉'), tabBarButtonTestID: 'tab-account' }} />
    </Tabs.Navigator>
  );
}

export function Navigation({ withLinking = true }: { withLinking?: boolean }) {
  const signedIn = useSignedIn();
  useOutboxSync(signedIn);
  const { t } = useI18n();
  const theme = useTheme();
  const navTheme = {
    ...(theme.dark ? DarkTheme : DefaultTheme),
    colors: {
      ...(theme.dark ? DarkTheme : DefaultTheme).colors,
      primary: theme.colors.primary,
      background: theme.colors.background,
      card: theme.colors.surface,
      text: theme.colors.text,
      border: theme.colors.border,
    },
  };
  if (signedIn === undefined) return <Loading />;
  return (
    <NavigationContainer theme={navTheme} {...(withLinking ? { linking } : {})} documentTitle={{ formatter: (options) => `${options?.title ?? ''} · ${t('app.name')}` }}>
      <Stack.Navigator screenOptions={{ headerBackTitle: t('common.back') }}>
        {signedIn ? (
          <>
            <Stack.Screen name="Home" component={HomeTabs} options={{ headerShown: false, title: t('app.name') }} />
            <Stack.Screen name="PocNew" options={{ title: t('poc.form.newTitle') }}>
              {({ navigation }) => <PocFormScreen onDone={() => (navigation.canGoBack() ? navigation.goBack() : navigation.navigate('Home', { screen: 'Pocs' }))} />}
            </Stack.Screen>
            <Stack.Screen name="PocDetail" options={{ title: t('poc.list.title') }}>
              {({ navigation, route }) => (
                <PocDetailScreen
                  id={route.params.id}
                  onEdit={(id) => navigation.navigate('PocEdit', { id })}
                  onDeleted={() => (navigation.canGoBack() ? navigation.goBack() : navigation.navigate('Home', { screen: 'Pocs' }))}
                />
              )}
            </Stack.Screen>
            <Stack.Screen name="PocEdit" options={{ title: t('poc.form.editTitle') }}>
              {({ navigation, route }) => <PocFormScreen id={route.params.id} onDone={() => (navigation.canGoBack() ? navigation.goBack() : navigation.navigate('PocDetail', { id: route.params.id }))} />}
            </Stack.Screen>
            <Stack.Screen name="DojoRoom" options={{ title: t('dojo.list.title') }}>
              {({ route }) => <DojoRoomScreen id={route.params.id} />}
            </Stack.Screen>
          </>
        ) : (
          <>
            <Stack.Screen name="Login" options={{ title: t('auth.login.title'), headerShown: false }}>
              {({ navigation }) => <LoginScreen onSignUp={() => navigation.navigate('SignUp')} />}
            </Stack.Screen>
            <Stack.Screen name="SignUp" options={{ title: t('auth.signup.title'), headerShown: false }}>
              {({ navigation }) => <SignUpScreen onLogin={() => navigation.navigate('Login')} />}
            </Stack.Screen>
          </>
        )}
      </Stack.Navigator>
    </NavigationContainer>
  );
}
