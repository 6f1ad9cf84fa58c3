import { createContext, useContext } from 'react';

export interface Theme {
  dark: boolean;
  colors: {
    background: string;
    surface: string;
    surfaceAlt: string;
    text: string;
    textMuted: string;
    /** Placeholder text: visibly not a value. */
    placeholder: string;
    primary: string;
    onPrimary: string;
    border: string;
    danger: string;
    warning: string;
    success: string;
    chip: string;
    chipSelected: string;
    onChipSelected: string;
    mark: string;
  };
  /** Spacing scale in dp. */
  space: (n: number) => number;
  radius: number;
  /** Minimum touch target (WCAG 2.5.5 / platform guidelines). */
  touch: number;
  font: { small: number; body: number; title: number; large: number };
}

const base = { space: (n: number) => n * 4, radius: 10, touch: 44, font: { small: 13, body: 16, title: 20, large: 28 } };

// Contrast of text on background and onPrimary on primary is at least 4.5:1 in both themes.
export const lightTheme: Theme = {
  ...base,
  dark: false,
  colors: {
    background: '#f6f7f9',
    surface: '#ffffff',
    surfaceAlt: '#eef1f5',
    text: '#14171f',
    textMuted: '#4b5563',
    placeholder: '#9aa3af',
    primary: '#1d4ed8',
    onPrimary: '#ffffff',
    border: '#d0d5dd',
    danger: '#b91c1c',
    warning: '#92400e',
    success: '#166534',
    chip: '#e7ebf2',
    chipSelected: '#1d4ed8',
    onChipSelected: '#ffffff',
    mark: '#fde68a',
  },
};

export const darkTheme: Theme = {
  ...base,
  dark: true,
  colors: {
    background: '#0f1115',
    surface: '#181b22',
    surfaceAlt: '#222631',
    text: '#eef0f4',
    textMuted: '#a8b0bd',
    placeholder: '#6b7280',
    primary: '#8ab4ff',
    onPrimary: '#0b1530',
    border: '#343a46',
    danger: '#f87171',
    warning: '#fbbf24',
    success: '#4ade80',
    chip: '#262b36',
    chipSelected: '#8ab4ff',
    onChipSelected: '#0b1530',
    mark: '#854d0e',
  },
};

export const ThemeContext = createContext<Theme>(lightTheme);
export const useTheme = (): Theme => useContext(ThemeContext);
