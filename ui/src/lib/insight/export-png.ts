import { cssVar } from '$lib/theme.svelte';

/**
 * The chart of an insight as a PNG: a Chart.js canvas as drawn, an SVG (paths) rasterised,
 * or a table (retention heat-map, lists) drawn cell by cell. Never leaves the browser.
 */
export async function exportPng(area: HTMLElement, title: string): Promise<Blob> {
  const bg = cssVar('--surface') || '#fff';
  const fg = cssVar('--text') || '#000';
  const canvas = area.querySelector('canvas');
  const svg = area.querySelector('svg[role="img"]:not([aria-hidden])') as SVGSVGElement | null;
  const table = area.querySelector('table');
  const scale = 2;
  let out: HTMLCanvasElement;

  if (canvas) {
    out = document.createElement('canvas');
    out.width = canvas.width;
    out.height = canvas.height + 40 * scale;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = bg;
    ctx.fillRect(0, 0, out.width, out.height);
    header(ctx, title, fg, scale);
    ctx.drawImage(canvas, 0, 40 * scale);
  } else if (svg) {
    const box = svg.viewBox.baseVal;
    const clone = svg.cloneNode(true) as SVGSVGElement;
    clone.setAttribute('color', fg);
    clone.setAttribute('width', String(box.width));
    clone.setAttribute('height', String(box.height));
    const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(clone)], { type: 'image/svg+xml' }));
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('could not draw the chart'));
      img.src = url;
    });
    out = document.createElement('canvas');
    out.width = box.width * scale;
    out.height = (box.height + 40) * scale;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = bg;
    ctx.fillRect(0, 0, out.width, out.height);
    header(ctx, title, fg, scale);
    ctx.drawImage(img, 0, 40 * scale, box.width * scale, box.height * scale);
    URL.revokeObjectURL(url);
  } else if (table) {
    const rows = [...table.querySelectorAll('tr')].map((tr) =>
      [...tr.querySelectorAll('th, td')].map((c) => ({ text: (c as HTMLElement).innerText.trim(), bg: getComputedStyle(c).backgroundColor, color: getComputedStyle(c).color })),
    );
    const cols = Math.max(...rows.map((r) => r.length));
    const cw = [...Array(cols).keys()].map((i) => Math.min(240, Math.max(56, ...rows.map((r) => (r[i]?.text.length ?? 0) * 7 + 16))));
    const rh = 26;
    out = document.createElement('canvas');
    out.width = cw.reduce((a, b) => a + b, 0) * scale;
    out.height = (rows.length * rh + 40) * scale;
    const ctx = out.getContext('2d')!;
    ctx.scale(scale, scale);
    ctx.fillStyle = bg;
    ctx.fillRect(0, 0, out.width, out.height);
    header(ctx, title, fg, 1);
    ctx.font = `12px ${cssVar('--font') || 'sans-serif'}`;
    rows.forEach((r, y) => {
      let x = 0;
      r.forEach((c, i) => {
        if (c.bg && c.bg !== 'rgba(0, 0, 0, 0)') {
          ctx.fillStyle = c.bg;
          ctx.fillRect(x, 40 + y * rh, cw[i]!, rh);
        }
        ctx.fillStyle = c.color || fg;
        ctx.fillText(c.text.slice(0, 34), x + 6, 40 + y * rh + 17);
        x += cw[i]!;
      });
    });
  } else {
    throw new Error('this insight has nothing to draw');
  }
  return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error('could not make the PNG'))), 'image/png'));
}

function header(ctx: CanvasRenderingContext2D, title: string, fg: string, scale: number) {
  ctx.save();
  ctx.fillStyle = fg;
  ctx.font = `600 ${16 * scale}px ${cssVar('--font') || 'sans-serif'}`;
  ctx.fillText(title, 10 * scale, 26 * scale);
  ctx.restore();
}
