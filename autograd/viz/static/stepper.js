// Backprop Lab step-through: one front-end for the Jupyter widget (anywidget) and the offline page.
//
// The graph arrives rendered once as SVG. Stepping never re-lays it out: it only restyles it
// (the current node, its op and edges highlighted; values shown as the forward pass computes
// them; gradients as the backward pass reaches them) and pans the viewport so the current
// node stays in view. DOM contract: every node element has data-node, the current one the
// class bp-current, the scrollable viewport the class bp-viewport, the buttons data-action.

const SPEEDS = [0.5, 1, 2, 4]; // steps per second
const MIN_SCALE = 0.1;
const MAX_SCALE = 4;
const MARGIN = 48; // px a current node keeps from the viewport's edge before the view pans
const SVG = "http://www.w3.org/2000/svg";

function html(strings, ...values) {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? values[i] : ""), "");
}

function layout() {
  return html`
    <div class="bp-controls">
      <span class="bp-phase" role="group" aria-label="pass">
        <button type="button" data-phase="forward" title="step through the forward pass">Forward</button>
        <button type="button" data-phase="backward" title="step through the backward pass">Backward</button>
      </span>
      <button type="button" data-action="prev" title="previous step (←)">◀ Prev</button>
      <button type="button" data-action="play" title="play / pause (space)">▶ Play</button>
      <button type="button" data-action="next" title="next step (→)">Next ▶</button>
      <input type="range" class="bp-slider" min="1" max="1" value="1" aria-label="step">
      <span class="bp-position" aria-live="polite"></span>
      <label class="bp-speed-label">speed
        <select class="bp-speed" aria-label="steps per second">
          ${SPEEDS.map((s) => `<option value="${s}"${s === 1 ? " selected" : ""}>${s}/s</option>`).join("")}
        </select>
      </label>
    </div>
    <div class="bp-viewport" tabindex="0" aria-label="graph: drag to pan, wheel or pinch to zoom">
      <div class="bp-canvas"></div>
      <div class="bp-zoom">
        <button type="button" data-zoom="in" title="zoom in">+</button>
        <button type="button" data-zoom="out" title="zoom out">−</button>
        <button type="button" data-zoom="fit" title="fit the whole graph">fit</button>
        <button type="button" data-zoom="clusters" title="collapse or expand every cluster" hidden>clusters</button>
      </div>
    </div>
    <div class="bp-detail"></div>`;
}

class Stepper {
  constructor(root, data, state) {
    this.root = root;
    this.data = data;
    this.state = state; // {get(), set(phase, step)}: the model (widget) or a plain object (page)
    root.classList.add("bp-stepper");
    root.tabIndex = 0; // keys go to the stepper the student last clicked
    root.setAttribute("data-lm-suppress-shortcuts", "true"); // JupyterLab leaves our keys alone
    root.setAttribute("data-p-suppress-shortcuts", "true");
    root.innerHTML = layout();
    this.q = (sel) => root.querySelector(sel);
    this.viewport = this.q(".bp-viewport");
    this.canvas = this.q(".bp-canvas");
    this.detail = this.q(".bp-detail");
    this.slider = this.q(".bp-slider");
    this.position = this.q(".bp-position");
    this.canvas.innerHTML = data.svg;
    this.svg = this.canvas.querySelector("svg");
    const box = this.svg && this.svg.viewBox.baseVal;
    if (box && box.width) {
      // One SVG unit per CSS pixel (graphviz writes pt), so zoom 1 is the layout's own size.
      this.svg.setAttribute("width", box.width);
      this.svg.setAttribute("height", box.height);
    }
    this.view = { x: 0, y: 0, scale: 1 };
    this.timer = null;
    this.placed = false;
    this.index();
    // A big graph starts folded; a cluster folded this way opens when the pass enters it.
    this.autoFolded = new Set(data.collapse ? this.outer : []);
    this.autoFolded.forEach((id) => this.toggleCluster(id, true, false));
    this.bind();
    this.show();
  }

  index() {
    const byId = (attr) => {
      const map = new Map();
      this.canvas.querySelectorAll(`[${attr}]`).forEach((el) => map.set(el.getAttribute(attr), el));
      return map;
    };
    this.nodes = byId("data-node");
    this.edges = byId("data-edge");
    this.clusters = byId("data-cluster");
    // Each value box's "data ..." and "grad ..." texts, rewritten as the passes reach the node.
    this.texts = new Map();
    this.nodes.forEach((el, id) => {
      if (!id.startsWith("v")) return;
      const entry = { data: null, grad: null, title: el.querySelector("title") };
      el.querySelectorAll("text").forEach((t) => {
        const s = t.textContent.trim();
        if (s.startsWith("data ")) entry.data = { el: t, final: s.slice(5) };
        if (s.startsWith("grad ")) entry.grad = { el: t, final: s.slice(5) };
      });
      this.texts.set(id, entry);
    });
    this.computed = new Set(this.data.forward.map((s) => s.node));
    this.members = new Map(); // cluster id -> the elements a collapse hides
    this.values = new Map(); // cluster id -> its value boxes' ids
    this.outer = [];
    (this.data.clusters || []).forEach((c) => {
      const el = this.clusters.get(c.id);
      if (!el) return;
      this.members.set(c.id, c.hide.map((id) => this.nodes.get(id) || this.edges.get(id)).filter(Boolean));
      this.values.set(c.id, c.values);
      el.dataset.label = c.label;
      el.setAttribute("role", "button");
      el.setAttribute("aria-expanded", "true");
      const title = el.querySelector("title") || el.insertBefore(document.createElementNS(SVG, "title"), el.firstChild);
      title.textContent = `${c.label}: click to collapse or expand`;
      if (c.parent === null || c.parent === undefined) this.outer.push(c.id);
    });
    this.q('[data-zoom="clusters"]').hidden = this.clusters.size === 0;
  }

  steps() {
    return this.data[this.state.get().phase] || [];
  }

  bind() {
    this.root.addEventListener("click", (e) => {
      const target = e.target.closest("[data-action],[data-phase],[data-zoom]");
      if (target && this.root.contains(target) && !target.disabled) {
        if (target.dataset.action === "next") this.move(+1);
        if (target.dataset.action === "prev") this.move(-1);
        if (target.dataset.action === "play") this.togglePlay();
        if (target.dataset.phase) this.go(target.dataset.phase, 1);
        if (target.dataset.zoom === "in") this.zoomBy(1.25);
        if (target.dataset.zoom === "out") this.zoomBy(0.8);
        if (target.dataset.zoom === "fit") this.fit(true);
        if (target.dataset.zoom === "clusters") this.toggleAllClusters();
      }
    });
    this.slider.addEventListener("input", () => this.go(this.state.get().phase, Number(this.slider.value)));
    this.q(".bp-speed").addEventListener("change", () => this.timer && this.play());
    this.root.addEventListener("keydown", (e) => this.key(e));
    this.root.addEventListener("pointerdown", (e) => {
      if (!e.target.closest("button, input, select")) this.root.focus({ preventScroll: true });
    });
    this.bindPanZoom();
    new ResizeObserver(() => this.place()).observe(this.viewport);
  }

  key(e) {
    if (e.target.closest("select, input[type=text]")) return;
    const actions = { ArrowRight: () => this.move(+1), ArrowLeft: () => this.move(-1), " ": () => this.togglePlay() };
    const action = actions[e.key];
    if (!action || this.data.leaf) return;
    action();
    e.preventDefault();
    e.stopPropagation();
  }

  // ----- stepping -----

  go(phase, step) {
    const n = (this.data[phase] || []).length;
    this.state.set(phase, Math.max(1, Math.min(n, step)));
  }

  move(delta) {
    const { phase, step } = this.state.get();
    const n = this.steps().length;
    if (delta > 0 && step >= n && phase === "forward" && this.data.backward.length) {
      this.go("backward", 1); // forward, then backward
    } else if (delta < 0 && step <= 1 && phase === "backward" && this.data.forward.length) {
      this.go("forward", this.data.forward.length);
    } else {
      this.go(phase, step + delta);
    }
  }

  atEnd() {
    const { phase, step } = this.state.get();
    return phase === "backward" && step >= this.data.backward.length;
  }

  togglePlay() {
    if (this.timer) this.pause();
    else this.play();
  }

  play() {
    clearInterval(this.timer);
    if (this.atEnd()) this.go(this.data.forward.length ? "forward" : "backward", 1);
    const speed = Number(this.q(".bp-speed").value) || 1;
    this.timer = setInterval(() => {
      if (this.atEnd()) this.pause();
      else this.move(+1);
    }, 1000 / speed);
    this.updateButtons();
  }

  pause() {
    clearInterval(this.timer);
    this.timer = null;
    this.updateButtons();
  }

  updateButtons() {
    const { phase, step } = this.state.get();
    const n = this.steps().length;
    const leaf = this.data.leaf;
    const first = phase === "forward" || !this.data.forward.length ? step <= 1 : false;
    const last = phase === "backward" || !this.data.backward.length ? step >= n : false;
    this.q('[data-action="prev"]').disabled = leaf || first;
    this.q('[data-action="next"]').disabled = leaf || last;
    const play = this.q('[data-action="play"]');
    play.disabled = leaf;
    play.textContent = this.timer ? "❚❚ Pause" : "▶ Play";
    play.setAttribute("aria-pressed", this.timer ? "true" : "false");
    this.slider.disabled = leaf || n < 2;
    this.root.querySelectorAll("[data-phase]").forEach((b) => {
      b.disabled = leaf;
      b.setAttribute("aria-pressed", b.dataset.phase === phase ? "true" : "false");
    });
  }

  show() {
    const { phase } = this.state.get();
    const all = this.steps();
    const step = Math.max(1, Math.min(all.length, this.state.get().step)); // phase and step change one at a time
    this.root.dataset.phase = phase;
    if (this.data.leaf || !all.length) {
      this.detail.innerHTML = `<p>${this.data.leaf_text}</p>`;
      this.position.textContent = "no steps";
      this.updateButtons();
      return;
    }
    const current = all[step - 1];
    this.slider.max = String(all.length);
    this.slider.value = String(step);
    this.position.textContent = `${phase} step ${step} of ${all.length}`;
    this.detail.innerHTML = current.html;
    this.openAround(current.node);
    this.restyle(phase, all, step);
    this.updateButtons();
    this.follow(current.node);
  }

  restyle(phase, all, step) {
    const cls = ["bp-current", "bp-current-op", "bp-flow", "bp-parent", "bp-done", "bp-pending"];
    this.canvas.querySelectorAll("." + cls.join(",.")).forEach((el) => el.classList.remove(...cls));
    const current = all[step - 1];
    const values = new Map(); // node id -> [text, exact] shown in the data field
    const grads = new Map();
    if (phase === "forward") {
      all.slice(0, step).forEach((s) => Object.entries(s.data).forEach(([id, v]) => values.set(id, v)));
    } else {
      Object.entries(this.data.start_grads).forEach(([id, v]) => grads.set(id, v));
      all.slice(0, step).forEach((s) => Object.entries(s.grads).forEach(([id, v]) => grads.set(id, v)));
    }
    this.texts.forEach((t, id) => {
      const known = phase === "backward" || !this.computed.has(id) || values.has(id);
      if (t.data) t.data.el.textContent = "data " + (known ? values.get(id)?.[0] ?? t.data.final : "?");
      if (t.grad) {
        t.grad.el.textContent = "grad " + (grads.has(id) ? grads.get(id)[0] : "?");
        t.grad.el.classList.toggle("bp-hidden-text", phase === "forward");
      }
      const node = this.nodes.get(id);
      node.classList.add(phase === "backward" ? (grads.has(id) ? "bp-done" : "bp-pending") : known ? "bp-done" : "bp-pending");
      if (t.title) {
        const g = grads.get(id);
        const v = values.get(id);
        t.title.textContent =
          (known ? `data = ${v ? v[1] : this.data.exact_data[id]}` : "not computed yet") +
          (phase === "backward" ? (g ? `, grad = ${g[1]}` : ", grad not reached yet") : "");
      }
    });
    this.nodes.get(current.node)?.classList.add("bp-current");
    this.nodes.get(current.op)?.classList.add("bp-current-op");
    current.edges.forEach((id) => this.edges.get(id)?.classList.add("bp-flow"));
    current.parents.forEach((id) => this.nodes.get(id)?.classList.add("bp-parent"));
    this.clusters.forEach((el, id) => this.summarise(el, id, grads, values, phase, current));
  }

  // ----- clusters: collapse and expand without moving anything -----

  summarise(el, id, grads, values, phase, current) {
    const boxes = this.values.get(id) || [];
    const label = el.querySelector("text");
    el.classList.toggle("bp-current-cluster", boxes.includes(current.node));
    if (!label) return;
    if (!el.classList.contains("bp-collapsed")) {
      label.textContent = el.dataset.label;
      return;
    }
    // A collapsed cluster says how much of it the pass has reached.
    const known = boxes.filter((b) => (phase === "backward" ? grads.has(b) : !this.computed.has(b) || values.has(b)));
    const what = phase === "backward" ? "gradients" : "values";
    const noun = boxes.length === 1 ? "value" : "values";
    label.textContent = `${el.dataset.label}: ${boxes.length} ${noun}, ${known.length} ${what} known (click to open)`;
  }

  toggleCluster(id, collapsed, redraw = true) {
    const el = this.clusters.get(id);
    if (!el || !this.members.has(id)) return;
    if (redraw) this.autoFolded.delete(id); // the student decides from now on
    const now = collapsed ?? !el.classList.contains("bp-collapsed");
    el.classList.toggle("bp-collapsed", now);
    el.setAttribute("aria-expanded", now ? "false" : "true");
    this.members.get(id).forEach((m) => {
      const hidden = new Set(JSON.parse(m.dataset.hiddenBy || "[]"));
      if (now) hidden.add(id);
      else hidden.delete(id);
      m.dataset.hiddenBy = JSON.stringify([...hidden]);
      m.classList.toggle("bp-collapsed-member", hidden.size > 0);
    });
    if (redraw) this.show();
  }

  openAround(nodeId) {
    this.autoFolded.forEach((id) => {
      if (this.values.get(id).includes(nodeId)) {
        this.autoFolded.delete(id);
        this.toggleCluster(id, false, false);
      }
    });
  }

  toggleAllClusters() {
    const anyOpen = this.outer.some((id) => !this.clusters.get(id).classList.contains("bp-collapsed"));
    this.outer.forEach((id) => this.toggleCluster(id, anyOpen, false));
    this.show();
  }

  // ----- pan and zoom -----

  bindPanZoom() {
    let drag = null;
    this.viewport.addEventListener("pointerdown", (e) => {
      if (e.button !== 0 || e.target.closest("button")) return;
      drag = { x: e.clientX, y: e.clientY, view: { ...this.view }, moved: false, id: e.pointerId };
    });
    this.viewport.addEventListener("pointermove", (e) => {
      if (!drag || e.pointerId !== drag.id) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      if (!drag.moved) this.viewport.setPointerCapture(e.pointerId);
      drag.moved = true;
      this.viewport.classList.add("bp-dragging");
      this.apply({ x: drag.view.x + dx, y: drag.view.y + dy, scale: this.view.scale }, false);
    });
    const end = (e) => {
      if (!drag) return;
      const wasDrag = drag.moved;
      drag = null;
      this.viewport.classList.remove("bp-dragging");
      if (!wasDrag && e.type === "pointerup") {
        const cluster = e.target.closest("[data-cluster]");
        if (cluster) this.toggleCluster(cluster.dataset.cluster);
      }
    };
    this.viewport.addEventListener("pointerup", end);
    this.viewport.addEventListener("pointercancel", end);
    this.viewport.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        // A pinch on a trackpad arrives as a wheel event with ctrlKey and small deltas.
        const factor = Math.exp(-e.deltaY * (e.ctrlKey ? 0.01 : 0.0015));
        const box = this.viewport.getBoundingClientRect();
        this.zoomBy(factor, e.clientX - box.left, e.clientY - box.top, false);
      },
      { passive: false },
    );
  }

  size() {
    const vb = this.svg && this.svg.viewBox && this.svg.viewBox.baseVal;
    return vb && vb.width ? { w: vb.width, h: vb.height } : { w: this.canvas.scrollWidth, h: this.canvas.scrollHeight };
  }

  apply(view, smooth) {
    this.view = view;
    this.canvas.classList.toggle("bp-smooth", Boolean(smooth));
    this.canvas.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
  }

  zoomBy(factor, cx, cy, smooth = true) {
    const vw = this.viewport.clientWidth;
    const vh = this.viewport.clientHeight;
    const px = cx ?? vw / 2;
    const py = cy ?? vh / 2;
    const scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, this.view.scale * factor));
    const k = scale / this.view.scale;
    this.apply({ x: px - (px - this.view.x) * k, y: py - (py - this.view.y) * k, scale }, smooth);
  }

  fit(smooth) {
    const { w, h } = this.size();
    const vw = this.viewport.clientWidth;
    const vh = this.viewport.clientHeight;
    const scale = Math.max(MIN_SCALE, Math.min(1.5, vw / w, vh / h));
    this.apply({ x: (vw - w * scale) / 2, y: (vh - h * scale) / 2, scale }, smooth);
  }

  // The first time the viewport has a size: small graphs fitted to the width, big ones at a
  // readable scale around the current node; the viewport's height shrinks to a short graph.
  place() {
    const vw = this.viewport.clientWidth;
    if (this.placed || !vw || !this.svg) return;
    this.placed = true;
    const { w, h } = this.size();
    // Fitted to the width unless its text would be smaller than 8 px: then a readable zoom that follows the steps.
    const text = this.svg.querySelector("text");
    const font = (text && parseFloat(text.getAttribute("font-size"))) || 14;
    const widthScale = Math.min(1, vw / w);
    const scale = widthScale * font >= 8 ? widthScale : Math.min(1, 10 / font);
    const fitted = h * scale + 24;
    if (fitted < this.viewport.clientHeight) this.viewport.style.height = `${Math.max(160, fitted)}px`;
    const vh = this.viewport.clientHeight;
    this.apply({ x: Math.max(0, (vw - w * scale) / 2), y: Math.max(0, (vh - h * scale) / 2), scale }, false);
    const { step } = this.state.get();
    const current = this.steps()[step - 1];
    if (current) this.follow(current.node, false);
  }

  // Where a node sits in the SVG's own pixels (positions never change, so computed once).
  centre(id) {
    this.centres = this.centres || new Map();
    if (!this.centres.has(id)) {
      const el = this.nodes.get(id);
      if (!el || !el.getBBox) return null;
      const b = el.getBBox();
      const m = el.getCTM();
      if (!m || (!b.width && !b.height)) return null;
      const x = b.x + b.width / 2;
      const y = b.y + b.height / 2;
      this.centres.set(id, {
        x: m.a * x + m.c * y + m.e,
        y: m.b * x + m.d * y + m.f,
        w: Math.abs(m.a) * b.width,
        h: Math.abs(m.d) * b.height,
      });
    }
    return this.centres.get(id);
  }

  // Pan so the node is comfortably inside the viewport. Each axis on its own: along an axis on
  // which the whole graph is in view nothing moves, and a node already in view stays put.
  follow(id, smooth = true) {
    if (!this.placed) return;
    const c = this.centre(id);
    if (!c) return;
    const { scale } = this.view;
    const size = this.size();
    const axis = (offset, centre, extent, graph, room) => {
      const whole = offset >= -1 && offset + graph * scale <= room + 1;
      const margin = whole ? 0 : Math.max(0, Math.min(MARGIN, (room - extent * scale) / 2));
      const lo = offset + (centre - extent / 2) * scale;
      const hi = offset + (centre + extent / 2) * scale;
      if (lo >= margin - 1 && hi <= room - margin + 1) return offset;
      // Centre the node, but never pull an edge of the graph into the viewport (no empty band).
      const target = room / 2 - centre * scale;
      return whole ? target : Math.min(0, Math.max(room - graph * scale, target));
    };
    const x = axis(this.view.x, c.x, c.w, size.w, this.viewport.clientWidth);
    const y = axis(this.view.y, c.y, c.h, size.h, this.viewport.clientHeight);
    if (x !== this.view.x || y !== this.view.y) this.apply({ x, y, scale }, smooth);
  }
}

// A state in the page: the same interface as the widget's model, kept in memory.
function localState(initial, onChange) {
  let value = { ...initial };
  return {
    get: () => value,
    set: (phase, step) => {
      value = { phase, step };
      onChange();
    },
  };
}

// anywidget: the widget's traits `data` (static), `phase` and `step` (synced both ways).
function render({ model, el }) {
  let stepper = null;
  const state = {
    get: () => ({ phase: model.get("phase"), step: model.get("step") }),
    set: (phase, step) => {
      model.set("phase", phase);
      model.set("step", step);
      model.save_changes(); // model.set fires change:phase / change:step, which redraw
    },
  };
  stepper = new Stepper(el, model.get("data"), state);
  const refresh = () => stepper.show();
  model.on("change:step", refresh);
  model.on("change:phase", refresh);
  return () => {
    stepper.pause();
    model.off("change:step", refresh);
    model.off("change:phase", refresh);
  };
}

// The offline page: the payload sits in a JSON script element; arrow keys work page-wide.
export function mountPage(root, data, phase = "backward") {
  let stepper = null;
  const start = data[phase] && data[phase].length ? phase : "forward";
  stepper = new Stepper(root, data, localState({ phase: start, step: 1 }, () => stepper.show()));
  document.addEventListener("keydown", (e) => {
    if (!root.contains(e.target) && !e.target.closest("input, select, textarea, summary")) stepper.key(e);
  });
  return stepper;
}

export default { render };
