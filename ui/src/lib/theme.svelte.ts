export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'cairn.theme';

/** Light, dark or following the system. Charts read the resolved value to pick colours. */
class Theme {
  choice = $state<ThemeChoice>('system');
  resolved = $state<'light' | 'dark'>('light');

  init() {
    const saved = localStorage.getItem(KEY);
    if (saved === 'light' || saved === 'dark' || saved === 'system') this.choice = saved;
    const media = matchMedia('(prefers-color-scheme: dark)');
    media.addEventListener('change', () => this.apply());
    this.apply();
  }

  set(choice: ThemeChoice) {
    this.choice = choice;
    localStorage.setItem(KEY, choice);
    this.apply();
  }

  private apply() {
    this.resolved = this.choice === 'system' ? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light') : this.choice;
    document.documentElement.dataset.theme = this.resolved;
  }
}

export const theme = new Theme();

/** A CSS custom property's current value (chart colours follow the theme). */
export const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
