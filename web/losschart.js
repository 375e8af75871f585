// losschart.js — the live loss curve of a fine-tuning run on a <canvas>.

function cssColor(el, name, fallback) {
  return getComputedStyle(el).getPropertyValue(name).trim() || fallback;
}

export class LossChart {
  constructor(canvas) {
    this.canvas = canvas;
    this.losses = [];
    this.steps = 0;
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.draw());
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  start(steps) {
    this.losses = [];
    this.steps = steps;
    this.draw();
  }

  push(loss) {
    this.losses.push(loss);
    this.draw();
  }

  draw() {
    const c = this.canvas;
    const w = Math.max(200, Math.round(c.clientWidth || 300));
    const h = Math.max(100, Math.round(c.clientHeight || 150));
    const dpr = Math.min(3, window.devicePixelRatio || 1);
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const fg = cssColor(c, '--fg', '#222'), muted = cssColor(c, '--muted', '#666');
    const grid = cssColor(c, '--heat-grid', '#ddd'), line = cssColor(c, '--accent', '#1f5fa8');
    ctx.clearRect(0, 0, w, h);
    ctx.font = '12px system-ui, sans-serif';
    const L = this.losses.filter(Number.isFinite);
    const left = 44, right = 10, top = 10, bottom = 24;
    ctx.strokeStyle = grid;
    ctx.lineWidth = 1;
    ctx.strokeRect(left, top, w - left - right, h - top - bottom);
    ctx.fillStyle = muted;
    if (!L.length) {
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(this.steps ? 'waiting for the first step…' : 'The loss of each training step appears here.', w / 2, h / 2);
      this.#label();
      return;
    }
    const lo = Math.min(...L), hi = Math.max(...L);
    const span = hi - lo || 1;
    const n = Math.max(this.steps, this.losses.length, 2);
    const x = (i) => left + (i / (n - 1)) * (w - left - right);
    const y = (v) => top + (1 - (v - lo) / span) * (h - top - bottom);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    ctx.fillText(hi.toFixed(2), left - 4, top + 6);
    ctx.fillText(lo.toFixed(2), left - 4, h - bottom - 6);
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.fillText('step', (left + w - right) / 2, h - bottom + 6);
    ctx.textAlign = 'left';
    ctx.fillText('1', left, h - bottom + 6);
    ctx.textAlign = 'right';
    ctx.fillText(String(n), w - right, h - bottom + 6);
    ctx.strokeStyle = line;
    ctx.lineWidth = 2;
    ctx.beginPath();
    this.losses.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      if (i === 0) ctx.moveTo(x(i), y(v)); else ctx.lineTo(x(i), y(v));
    });
    ctx.stroke();
    if (L.length === 1) { ctx.fillStyle = line; ctx.fillRect(x(0) - 2, y(L[0]) - 2, 4, 4); }
    ctx.fillStyle = fg;
    this.#label();
  }

  #label() {
    const L = this.losses;
    this.canvas.setAttribute('aria-label', L.length
      ? `Training loss per step: ${L.length} of ${this.steps} steps, from ${L[0].toFixed(3)} to ${L.at(-1).toFixed(3)}`
      : 'Training loss per step: no run yet');
  }
}
