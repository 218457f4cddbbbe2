/** Browser, OS and device type from a User-Agent string: a few ordered rules, no network, no database. */
export interface UserAgentInfo {
  browser: string;
  os: string;
  deviceType: string;
}

const browsers: Array<[RegExp, string]> = [
  [/Edg(?:e|A|iOS)?\//, 'Microsoft Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/SamsungBrowser\//, 'Samsung Internet'],
  [/Firefox\/|FxiOS\//, 'Firefox'],
  [/CriOS\//, 'Chrome iOS'],
  [/Chrome\/|Chromium\//, 'Chrome'],
  [/Version\/[\d.]+.*Safari\//, 'Safari'],
  [/MSIE |Trident\//, 'Internet Explorer'],
  [/curl\//, 'curl'],
  [/posthog-node|posthog-python|analytics-node|node-fetch|undici|axios/i, 'Server SDK'],
];

const systems: Array<[RegExp, string]> = [
  [/Windows NT/, 'Windows'],
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Android/, 'Android'],
  [/CrOS/, 'Chrome OS'],
  [/Mac OS X|Macintosh/, 'Mac OS X'],
  [/Linux/, 'Linux'],
];

export function parseUserAgent(ua: string | undefined): UserAgentInfo {
  if (!ua) return { browser: '', os: '', deviceType: '' };
  const browser = browsers.find(([re]) => re.test(ua))?.[1] ?? '';
  const os = systems.find(([re]) => re.test(ua))?.[1] ?? '';
  let deviceType = 'Desktop';
  if (/bot|crawler|spider|crawling/i.test(ua)) deviceType = 'Bot';
  else if (/iPad|Tablet|Android(?!.*Mobile)/.test(ua)) deviceType = 'Tablet';
  else if (/Mobi|iPhone|iPod|Android/.test(ua)) deviceType = 'Mobile';
  else if (!os) deviceType = '';
  return { browser, os, deviceType };
}
